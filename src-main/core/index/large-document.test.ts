import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../model/tokenizer';
import { passagePrefix } from '../store/cache-key';
import { LibraryStore } from '../store/store';
import { repoRoot } from '../testing/paths';
import { cutPassages } from '../text/passages';
import { cleanup, dumpCache, openLogged, prose, tempDir, tinyBertDir, tinyChunkWindows as chunkWindows, tinyOptions, writeFiles } from './test-kit';

/**
 * A document of several chunks of windows streams through the lower pass into several store
 * transactions under a generation: the result equals cutting it whole (same windows, every
 * one with states), the old version is readable until the new one is complete, and nothing of
 * a replaced version is left behind.
 */
const root = tempDir('large');
const docs = join(root, 'docs');
const db = join(root, 'db');
const options = tinyOptions(db, join(root, 'graphs'));
const path = join(docs, 'book.txt');

afterAll(() => cleanup(root));

/** One line of prose long enough for about `chunks` chunks of windows. */
const longLine = (seed: number, chunks: number) => prose(seed, Math.ceil((chunks * chunkWindows * 40) / 14)).replace(/\n/g, ' ');

describe('a document bigger than one transaction', () => {
  it('is stored whole under a generation, with the same passages as cutting it at once', async () => {
    const text = longLine(1, 2.5);
    writeFiles(docs, { 'book.txt': text, 'small.txt': prose(2, 4) });
    const whole = cutPassages({ text }, await loadTokenizer(tinyBertDir), { windowTokens: 48, overlapTokens: 8 });
    const { library, log } = await openLogged(options);
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      const doc = library.documents(docs).find((d) => d.path === path)!;
      expect(doc.status).toBe('done');
      expect(whole.length).toBeGreaterThan(2 * chunkWindows);
      expect(doc.passageIds).toHaveLength(whole.length);
      expect(doc.generation).toBeTruthy();
      expect(doc.passageIds.every((id) => id.startsWith(passagePrefix(path, doc.generation)))).toBe(true);
      expect(log.of('documentIndexed').find((e) => e.path === path)?.passages).toBe(whole.length);
    } finally {
      await library.close();
    }
    const dump = dumpCache(db, true);
    expect(dump.problems).toEqual([]);
    expect(dump.inFlight).toBe(0);
    const stored = [...dump.passages.values()].filter((p) => p.docPath === path).sort((a, b) => a.index - b.index);
    expect(stored.map((p) => [p.charStart, p.charEnd, p.ids.join(',')])).toEqual(
      whole.map((w) => [w.charStart, w.charEnd, Array.from(w.ids).join(',')]),
    );
  });

  it('a changed version replaces it: the old generation is gone, searches find only the new text', async () => {
    writeFileSync(path, longLine(3, 1.5).replace(/castle/g, 'zeppelin'));
    const { library } = await openLogged(options);
    try {
      await library.whenIdle();
      const doc = library.documents(docs).find((d) => d.path === path)!;
      expect(doc.status).toBe('done');
    } finally {
      await library.close();
    }
    const dump = dumpCache(db, true);
    expect(dump.problems).toEqual([]);
    expect(dump.inFlight).toBe(0);
    const doc = dump.docs.get(path)!;
    expect([...dump.passages.values()].filter((p) => p.docPath === path).map((p) => p.id).sort()).toEqual([...doc.passageIds].sort());
    const store = LibraryStore.open(db, dump.identity!);
    try {
      expect(store.search('zeppelin', 3).length).toBeGreaterThan(0);
      expect(store.search('castle', 50).filter((h) => dump.passages.get(h.passageId)?.docPath === path)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('a large document killed mid-write', () => {
  const crashDocs = join(root, 'crash-docs');
  const crashDb = join(root, 'crash-db');
  const book = join(crashDocs, 'book.txt');
  /** Indexes crashDocs in a child process that SIGKILLs itself after its `killAfter`-th chunk (0: never). */
  const runChild = (killAfter: number) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'kill-mid-write.ts'), crashDocs, crashDb, join(root, 'graphs'), String(killAfter)], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

  it('leaves the old version readable, and the next run removes the half-written one and finishes', async () => {
    writeFiles(crashDocs, { 'book.txt': longLine(5, 3.5), 'note.txt': prose(6, 3) });
    expect(runChild(0).status).toBe(0);
    const before = dumpCache(crashDb, true);
    const old = before.docs.get(book)!;
    expect(old.status).toBe('done');

    writeFileSync(book, longLine(7, 3.5));
    const killed = runChild(2); // two chunks of the new version committed, then SIGKILL
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const mid = dumpCache(crashDb, true);
    expect(mid.problems).toEqual([]);
    expect(mid.inFlight).toBe(2 * chunkWindows); // written, but no document's
    expect(mid.docs.get(book)).toEqual(old); // the old version, whole
    const store = LibraryStore.open(crashDb, before.identity!);
    try {
      const hits = store.search('castle harvest lantern', 1000);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => mid.passages.get(h.passageId)!.docPath !== book || old.passageIds.includes(h.passageId))).toBe(true);
    } finally {
      await store.close();
    }

    expect(runChild(0).status).toBe(0);
    const after = dumpCache(crashDb, true);
    expect(after.problems).toEqual([]);
    expect(after.inFlight).toBe(0);
    const doc = after.docs.get(book)!;
    expect(doc.status).toBe('done');
    expect(doc.sha256).not.toBe(old.sha256);
    expect([...after.passages.values()].filter((p) => p.docPath === book)).toHaveLength(doc.passageIds.length);
  });
});
