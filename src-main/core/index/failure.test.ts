import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DeskError } from '../errors';
import { failureOf } from './failure';

/** How an error thrown while reading one document becomes its record. */
describe('failureOf', () => {
  it('maps the file system refusing a read to FILE_UNREADABLE, not INTERNAL (EACCES as a non-root user gets it)', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open '/x/a.txt'"), { code: 'EACCES', errno: -13, syscall: 'open' });
    expect(failureOf(denied)).toEqual({ status: 'failed', code: 'FILE_UNREADABLE', reason: 'permission denied' });
  });

  it('maps a real EISDIR from opening a folder for reading to a skip', async () => {
    const err = await open('/', 'r').then((h) => h.read().finally(() => h.close())).then(() => undefined, (e: unknown) => e);
    expect(failureOf(err)).toMatchObject({ status: 'skipped', code: 'FILE_NOT_REGULAR' });
  });

  it('keeps DeskErrors and calls anything else a bug', () => {
    expect(failureOf(new DeskError('EXTRACT_EMPTY', 'empty file'))).toEqual({ status: 'skipped', code: 'EXTRACT_EMPTY', reason: 'skipped: empty file' });
    expect(failureOf(new TypeError('x is undefined')).code).toBe('INTERNAL');
  });
});
