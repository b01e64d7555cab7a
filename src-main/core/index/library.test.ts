import { renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { defaultSettings } from '../settings';
import { bytesPerToken } from '../store/quantize';
import type { LibraryOptions } from './library';
import { cleanup, docxBytes, dumpCache, openLogged, pdfBytes, prose, tempDir, tinyOptions, writeFiles } from './test-kit';

/**
 * The library against real files, real LMDB and the real tiny engine (k = 2), without the
 * watcher: start-up reconciliation decides what is (re-)encoded. Tests run in order and share
 * one folder, each building on the previous state.
 */
const root = tempDir('lib');
const docs = join(root, 'docs');
const db = join(root, 'db');
const graphs = join(root, 'graphs');
const options: LibraryOptions = tinyOptions(db, graphs, { settings: { maxFileBytes: 20_000 } });

afterAll(() => cleanup(root));

beforeAll(async () => {
  writeFiles(docs, {
    'one.txt': prose(1, 12),
    'two.txt': prose(2, 6),
    'three.txt': prose(3, 3),
    'notes/readme.md': `# Harvest notes\n\n${prose(4, 5)}\n\n- a list item about the *orchard*\n`,
    'notes/page.html': `<html><head><title>Lantern page</title></head><body><p>${prose(5, 4)}</p><script>var hidden = 1;</script></body></html>`,
    'report.pdf': await pdfBytes([[prose(6, 2).slice(0, 90), 'Second line of page one.'], ['Page two talks about the glacier.']]),
    'letter.docx': await docxBytes(['Dear falcon keeper,', prose(7, 3)]),
    'corrupt.pdf': '%PDF-1.7\nthis is not really a pdf\n',
    'big.txt': 'copper '.repeat(4_000), // 28 kB > the 20 kB cap
    'empty.txt': '',
    'picture.gif': 'not indexed: unsupported type',
    '.hidden.txt': prose(8, 2),
    '.git/HEAD.txt': prose(9, 2),
    'node_modules/pkg/readme.md': prose(10, 2),
  });
  symlinkSync(docs, join(docs, 'notes', 'loop')); // a folder link back to its parent
});

const indexedSet = ['one.txt', 'two.txt', 'three.txt', 'notes/readme.md', 'notes/page.html', 'report.pdf', 'letter.docx'];

describe('Library (start-up reconciliation)', () => {
  it('indexes txt, md, html, pdf and docx to done; fails a corrupt PDF, skips too large and empty files', async () => {
    const { library, log } = await openLogged(options);
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      const byPath = new Map(library.documents(docs).map((d) => [d.path, d]));
      expect([...byPath.keys()].sort()).toEqual([...indexedSet, 'corrupt.pdf', 'big.txt', 'empty.txt'].map((f) => join(docs, f)).sort());
      expect(log.indexedPaths().sort()).toEqual(indexedSet.map((f) => join(docs, f)).sort());
      for (const f of indexedSet) expect(byPath.get(join(docs, f))?.status).toBe('done');

      const corrupt = byPath.get(join(docs, 'corrupt.pdf'))!;
      expect(corrupt).toMatchObject({ status: 'failed', code: 'EXTRACT_FAILED', passageIds: [] });
      expect(corrupt.reason).toMatch(/pdf/i);
      expect(byPath.get(join(docs, 'big.txt'))).toMatchObject({ status: 'skipped', code: 'FILE_TOO_LARGE' });
      expect(byPath.get(join(docs, 'big.txt'))!.reason).toMatch(/^skipped: too large \(/);
      expect(byPath.get(join(docs, 'empty.txt'))).toMatchObject({ status: 'skipped', code: 'EXTRACT_EMPTY' });
      expect(log.of('documentFailed').map((e) => e.code).sort()).toEqual(['EXTRACT_EMPTY', 'EXTRACT_FAILED', 'FILE_TOO_LARGE']);

      const progress = library.progress().folders[0];
      expect(progress).toMatchObject({ folder: docs, total: 10, queued: 0, done: 7, failed: 1, skipped: 2 });
      expect(log.of('indexIdle').length).toBeGreaterThan(0);
      const lastProgress = log.of('indexProgress').at(-1)!;
      expect(lastProgress.folders[0]).toMatchObject({ total: 10, done: 7, queued: 0 });
      expect(log.of('indexProgress').some((e) => (e.folders[0]?.tokensPerSecond ?? 0) > 0)).toBe(true);

      const stats = await library.stats();
      const passages = [...byPath.values()].reduce((n, d) => n + d.passageIds.length, 0);
      expect(stats).toMatchObject({ documents: 10, passages });
      expect(byPath.get(join(docs, 'one.txt'))!.passageIds.length).toBeGreaterThan(2); // windows of 48 tokens
      expect(stats.stateBytes).toBe(stats.storedTokens * bytesPerToken(defaultSettings.precision, 32)); // the default codec, H = 32
    } finally {
      await library.close();
    }
    const dump = dumpCache(db, true);
    expect(dump.problems).toEqual([]);
    expect([...dump.docs.keys()].some((path) => path.includes('loop'))).toBe(false);
    const pdfPassage = [...dump.passages.values()].find((p) => p.docPath.endsWith('report.pdf'))!;
    expect(pdfPassage.page).toBe(1);
    const pagePassages = [...dump.passages.values()].filter((p) => p.docPath.endsWith('page.html'));
    expect(pagePassages.map((p) => p.text).join(' ')).toContain('Lantern page');
    expect(pagePassages.map((p) => p.text).join(' ')).not.toContain('hidden = 1');
  });

  it('re-opening encodes nothing, even when mtimes changed but the bytes did not', async () => {
    const touched = join(docs, 'two.txt');
    utimesSync(touched, new Date(), new Date(Date.now() + 60_000));
    const { library, log } = await openLogged(options);
    try {
      await library.whenIdle();
      expect(log.of('documentIndexed')).toEqual([]);
      expect(log.of('documentRemoved')).toEqual([]);
      // The record took the new mtime, so the next start-up's fast check passes without hashing.
      expect(library.documents(docs).find((d) => d.path === touched)!.mtimeMs).toBeCloseTo(Date.now() + 60_000, -5);
    } finally {
      await library.close();
    }
  });

  it('an edited file is re-encoded alone; a deleted one loses its passages; a renamed one moves', async () => {
    const before = dumpCache(db, true);
    const oldIds = before.docs.get(join(docs, 'three.txt'))!.passageIds;
    writeFileSync(join(docs, 'one.txt'), prose(11, 9));
    unlinkSync(join(docs, 'three.txt'));
    renameSync(join(docs, 'two.txt'), join(docs, 'notes', 'two-moved.txt'));
    const { library, log } = await openLogged(options);
    try {
      await library.whenIdle();
      expect(log.indexedPaths().sort()).toEqual([join(docs, 'notes', 'two-moved.txt'), join(docs, 'one.txt')]);
      expect(log.of('documentRemoved').map((e) => e.path).sort()).toEqual([join(docs, 'three.txt'), join(docs, 'two.txt')]);
      expect(library.documents(docs).map((d) => d.path)).not.toContain(join(docs, 'three.txt'));
    } finally {
      await library.close();
    }
    const after = dumpCache(db, true);
    expect(after.problems).toEqual([]);
    for (const id of oldIds) expect(after.passages.has(id)).toBe(false);
    const one = [...after.passages.values()].filter((p) => p.docPath === join(docs, 'one.txt'));
    expect(one.map((p) => p.text).join(' ')).toContain(' 11 ');
    // Untouched documents keep their stored states byte for byte.
    for (const id of before.docs.get(join(docs, 'letter.docx'))!.passageIds) expect(after.states.get(id)).toBe(before.states.get(id));
  });

  it('adds and removes folders; refuses overlapping or missing ones', async () => {
    const other = join(root, 'other');
    writeFiles(other, { 'x.txt': prose(12, 3), 'y.md': prose(13, 2) });
    const { library, log } = await openLogged(options);
    try {
      await library.addFolder(other);
      await library.whenIdle();
      expect(library.listFolders().sort()).toEqual([docs, other].sort());
      expect(library.documents(other).map((d) => d.status)).toEqual(['done', 'done']);
      const ids = library.documents(other).flatMap((d) => d.passageIds);

      const refused = await library.addFolder(join(docs, 'notes')).catch((e: unknown) => e);
      expect(isDeskError(refused, 'BAD_REQUEST')).toBe(true);
      const missing = await library.addFolder(join(root, 'nope')).catch((e: unknown) => e);
      expect(isDeskError(missing, 'NOT_FOUND')).toBe(true);

      await library.removeFolder(other);
      expect(library.listFolders()).toEqual([docs]);
      expect(library.documents(other)).toEqual([]);
      expect(log.of('documentRemoved').map((e) => e.path).sort()).toEqual([join(other, 'x.txt'), join(other, 'y.md')]);
      expect(library.progress().folders.map((f) => f.folder)).toEqual([docs]);
      await library.close();
      const dump = dumpCache(db, true);
      expect(dump.problems).toEqual([]);
      for (const id of ids) expect(dump.passages.has(id)).toBe(false);
    } finally {
      await library.close();
    }
  });

  it('pauses between batches; a file rewritten or deleted while being encoded is never stored stale', async () => {
    const slow = join(root, 'slow');
    // Long enough (hundreds of one-window batches) that a throttled progress event lands mid-encode even on a loaded machine.
    writeFiles(slow, { 'a.txt': prose(20, 3000), 'b.txt': prose(21, 3000) });
    // Its own library, so the bigger cap does not change what the shared one holds.
    const slowDb = join(root, 'db-slow');
    const { library, log } = await openLogged({ ...options, dbDir: slowDb, settings: { ...options.settings, batchSize: 1, maxFileBytes: 1_000_000 } });
    try {
      // Pause from inside the first progress event naming a new file: that file is mid-encode.
      const seen: string[] = [];
      library.onEvent((e) => {
        const current = e.type === 'indexProgress' ? e.folders.find((f) => f.folder === slow)?.currentFile : undefined;
        if (current && !seen.includes(current)) {
          seen.push(current);
          library.pause();
        }
      });
      const settle = () => new Promise((r) => setTimeout(r, 300));
      await library.addFolder(slow);
      await log.waitFor(() => seen.length === 1, 15_000, 'the first file');
      await settle();
      expect(library.progress().paused).toBe(true);
      expect(log.indexedPaths()).toEqual([]); // held between batches
      writeFileSync(seen[0], 'Rewritten while paused: the meadow.');
      library.resume();
      await log.waitFor(() => seen.length === 2, 15_000, 'the second file');
      await settle();
      rmSync(seen[1]);
      library.resume();
      await library.whenIdle();

      expect(log.indexedPaths()).toEqual([seen[0]]); // once, with the new text; the stale encode was dropped
      expect(log.of('documentFailed')).toEqual([]);
      const [doc, ...rest] = library.documents(slow);
      expect(rest).toEqual([]);
      expect(doc).toMatchObject({ path: seen[0], status: 'done' });
      await library.close();
      const dump = dumpCache(slowDb, true);
      expect(doc.passageIds.map((id) => dump.passages.get(id)!.text).join(' ')).toBe('Rewritten while paused: the meadow.');
      expect([...dump.passages.values()].some((p) => p.docPath === seen[1])).toBe(false);
      expect(dump.problems).toEqual([]);
    } finally {
      await library.close();
    }
  });

  it('keeps the documents of a watched folder that is unavailable at start-up (unplugged drive)', async () => {
    const away = `${docs}-away`;
    renameSync(docs, away);
    try {
      const { library, log } = await openLogged(options);
      try {
        await library.whenIdle();
        expect(log.of('documentRemoved')).toEqual([]);
        expect(library.documents(docs).filter((d) => d.status === 'done').length).toBeGreaterThan(3);
      } finally {
        await library.close();
      }
    } finally {
      renameSync(away, docs);
    }
  });
});

describe('folder guard rails', () => {
  it('refuses file system roots, pseudo file systems and the data folder, with FOLDER_REFUSED', async () => {
    const { library } = await openLogged(options);
    try {
      for (const folder of ['/', '/proc', '/sys/kernel', '/dev', db, join(db, '..', 'db')]) {
        const err = await library.addFolder(folder).then(() => undefined, (e: unknown) => e);
        expect(isDeskError(err) && err.code, `${folder}: ${String(err)}`).toBe('FOLDER_REFUSED');
      }
      expect(library.listFolders()).not.toContain('/');
    } finally {
      await library.close();
    }
  });
});
