import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from './library';
import { cleanup, dumpCache, type EventLog, openLogged, prose, tempDir, tinyOptions, writeFiles } from './test-kit';

/** The watcher picks up what happens while the library runs (real chokidar, real files). */
const root = tempDir('watch');
const docs = join(root, 'docs');
const db = join(root, 'db');
let library: Library;
let log: EventLog;

beforeAll(async () => {
  writeFiles(docs, { 'b.txt': prose(1, 4), 'c.txt': prose(2, 4) });
  ({ library, log } = await openLogged(tinyOptions(db, join(root, 'graphs'), { watch: true, writeSettleMs: 150 })));
  await library.addFolder(docs);
  await library.whenIdle();
});

afterAll(async () => {
  await library?.close();
  cleanup(root);
});

const indexedCount = (path: string) => log.indexedPaths().filter((p) => p === path).length;
const removed = (path: string) => log.of('documentRemoved').some((e) => e.path === path);

describe('Library (watching)', () => {
  it('indexes a new file, re-encodes a changed one, and ignores a touch that kept the bytes', async () => {
    const a = join(docs, 'a.txt');
    const b = join(docs, 'b.txt');
    const c = join(docs, 'c.txt');
    expect(indexedCount(b)).toBe(1);
    utimesSync(c, new Date(), new Date(Date.now() + 5_000));
    writeFileSync(b, prose(3, 5));
    writeFileSync(a, prose(4, 3));
    await log.waitFor(() => indexedCount(a) === 1 && indexedCount(b) === 2, 15_000, 'a.txt and b.txt');
    await library.whenIdle();
    expect(indexedCount(c)).toBe(1);
  });

  it('handles a rename as remove + add, and a delete', async () => {
    renameSync(join(docs, 'a.txt'), join(docs, 'a2.txt'));
    unlinkSync(join(docs, 'b.txt'));
    await log.waitFor(() => removed(join(docs, 'a.txt')) && removed(join(docs, 'b.txt')) && indexedCount(join(docs, 'a2.txt')) === 1);
    await library.whenIdle();
    expect(library.documents(docs).map((d) => d.path).sort()).toEqual([join(docs, 'a2.txt'), join(docs, 'c.txt')]);
  });

  it('follows new and removed sub-folders; skips hidden and node_modules; survives a symlink loop', async () => {
    writeFiles(docs, {
      'sub/deep/e.md': `# Engines\n\n${prose(5, 3)}`,
      '.cache/f.txt': prose(6, 2),
      'node_modules/x/g.txt': prose(7, 2),
    });
    symlinkSync(docs, join(docs, 'sub', 'loop'));
    const e = join(docs, 'sub', 'deep', 'e.md');
    await log.waitFor(() => indexedCount(e) === 1, 15_000, 'sub/deep/e.md');
    rmSync(join(docs, 'sub'), { recursive: true });
    await log.waitFor(() => removed(e), 15_000, 'removal of sub/');
    mkdirSync(join(docs, 'late'));
    writeFileSync(join(docs, 'late', 'h.txt'), prose(8, 2));
    await log.waitFor(() => indexedCount(join(docs, 'late', 'h.txt')) === 1, 15_000, 'late/h.txt');
    await library.whenIdle();
    expect(log.indexedPaths().filter((p) => p.includes('.cache') || p.includes('node_modules') || p.includes('loop'))).toEqual([]);
    expect(library.documents(docs).map((d) => d.path).sort()).toEqual(
      [join(docs, 'a2.txt'), join(docs, 'c.txt'), join(docs, 'late', 'h.txt')].sort(),
    );
    await library.close();
    expect(dumpCache(db, true).problems).toEqual([]);
  });
});
