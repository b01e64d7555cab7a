import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { SUPPORTED_EXTENSIONS, extractText, isSupportedPath } from './extract';
import { scratchFiles } from './testing-files';

const scratch = scratchFiles('desk-text-');

const file = scratch.file;

/** Resolves to the DeskError code and message extractText failed with. */
async function failure(path: string, opts?: Parameters<typeof extractText>[1]) {
  const err = await extractText(path, opts).then(
    () => expect.fail('expected extraction to fail'),
    (e: unknown) => e,
  );
  if (!isDeskError(err)) throw err;
  return { code: err.code, message: err.message };
}

const SAMPLE = 'Café crème — naïve “quotes”, 日本語 and emoji 🎉.\nSecond line.';

describe('extractText: plain text encodings', () => {
  it('reads UTF-8 and normalizes CRLF line ends', async () => {
    const got = await extractText(await file('utf8.txt', SAMPLE.replace('\n', '\r\n')));
    expect(got).toMatchObject({ text: SAMPLE, encoding: 'utf-8', warnings: [] });
  });

  it('strips a UTF-8 BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)]);
    const got = await extractText(await file('bom.txt', bytes));
    expect(got.text).toBe(SAMPLE);
    expect(got.encoding).toBe('utf-8');
  });

  it('reads UTF-16LE with a BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')]);
    const got = await extractText(await file('le.txt', bytes));
    expect(got).toMatchObject({ text: SAMPLE, encoding: 'utf-16le' });
  });

  it('reads UTF-16BE with a BOM', async () => {
    const le = Buffer.from(SAMPLE, 'utf16le');
    const be = Buffer.from(le).swap16();
    const got = await extractText(await file('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    expect(got).toMatchObject({ text: SAMPLE, encoding: 'utf-16be' });
  });

  it('reads UTF-16 without a BOM from its pattern of zero bytes, and says so', async () => {
    const text = 'Plain English notes about the harvest.\nSecond line, with a café.';
    const le = Buffer.from(text, 'utf16le');
    const gotLe = await extractText(await file('le-nobom.txt', le));
    expect(gotLe).toMatchObject({ text, encoding: 'utf-16le' });
    expect(gotLe.warnings.join(' ')).toMatch(/no byte order mark/);
    const gotBe = await extractText(await file('be-nobom.txt', Buffer.from(le).swap16()));
    expect(gotBe).toMatchObject({ text, encoding: 'utf-16be' });
  });

  it('binary data with scattered zero bytes is still binary, not UTF-16', async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i % 7 === 0 ? 0 : (i * 31) % 251)));
    expect((await failure(await file('blob.txt', bytes))).code).toBe('EXTRACT_BINARY');
  });

  it('decodes invalid UTF-8 as Latin-1 and says so', async () => {
    // "café déjà vu" in Latin-1: 0xE9 and 0xE0 alone are not valid UTF-8.
    const got = await extractText(await file('latin1.txt', Buffer.from('café déjà vu', 'latin1')));
    expect(got.text).toBe('café déjà vu');
    expect(got.encoding).toBe('latin-1');
    expect(got.warnings.join(' ')).toMatch(/not valid UTF-8.*Latin-1/);
  });

  it('reads names with spaces and non-Latin characters', async () => {
    const got = await extractText(await file('résumé 文档.txt', 'Ünïcödé name works.'));
    expect(got.text).toBe('Ünïcödé name works.');
  });
});

describe('extractText: files it refuses', () => {
  it('refuses binary data named .txt', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24; // pseudo-random, includes NULs
    bytes[10] = 0;
    const { code, message } = await failure(await file('binary.txt', bytes));
    expect(code).toBe('EXTRACT_BINARY');
    expect(message).toMatch(/binary/);
  });

  it('refuses text that is mostly control characters even without NULs', async () => {
    const bytes = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 0x41 : 1 + (i % 7))));
    expect((await failure(await file('controls.txt', bytes))).code).toBe('EXTRACT_BINARY');
  });

  it('calls zero-byte and whitespace-only files empty', async () => {
    expect(await failure(await file('zero.txt', ''))).toEqual({ code: 'EXTRACT_EMPTY', message: 'empty file' });
    expect(await failure(await file('blank.md', ' \n\t\r\n  '))).toEqual({ code: 'EXTRACT_EMPTY', message: 'empty file' });
  });

  it('refuses a file over the size cap before reading it, naming both sizes', async () => {
    const path = await file('big.txt', 'x'.repeat(3 * 1024 * 1024));
    const { code, message } = await failure(path, { maxBytes: 2 * 1024 * 1024 });
    expect(code).toBe('FILE_TOO_LARGE');
    expect(message).toBe('skipped: too large (3 MB > cap 2 MB)');
    await expect(extractText(path, { maxBytes: 3 * 1024 * 1024 })).resolves.toBeTruthy();
  });

  it('reports a missing (deleted) file as unreadable', async () => {
    const { code, message } = await failure(scratch.path('gone.txt'));
    expect(code).toBe('FILE_UNREADABLE');
    expect(message).toMatch(/deleted or moved/);
  });

  it('reports a folder with a supported name as unreadable', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(scratch.path('folder.txt'));
    expect((await failure(scratch.path('folder.txt'))).code).toBe('FILE_UNREADABLE');
  });

  it.skipIf(process.getuid?.() === 0)('reports chmod 000 as permission denied (skipped as root: root reads anything)', async () => {
    const path = await file('locked.txt', 'secret');
    await chmod(path, 0o000);
    const { code, message } = await failure(path);
    expect(code).toBe('FILE_UNREADABLE');
    expect(message).toMatch(/permission denied/);
  });

  it('refuses unsupported extensions without touching the file', async () => {
    const { code, message } = await failure(scratch.path('photo.GIF'));
    expect(code).toBe('UNSUPPORTED_TYPE');
    expect(message).toMatch(/\.gif/);
  });

  it('stops when the signal is already aborted', async () => {
    const path = await file('abort.txt', 'some text');
    expect((await failure(path, { signal: AbortSignal.abort() })).code).toBe('CANCELLED');
  });
});

describe('isSupportedPath', () => {
  it('accepts the supported extensions in any case and nothing else', () => {
    for (const ext of SUPPORTED_EXTENSIONS) expect(isSupportedPath(`/a/b/name${ext.toUpperCase()}`)).toBe(true);
    expect(isSupportedPath('/a/notes.doc')).toBe(false);
    expect(isSupportedPath('/a/README')).toBe(false);
    expect(isSupportedPath('/a/archive.pdf.zip')).toBe(false);
  });
});
