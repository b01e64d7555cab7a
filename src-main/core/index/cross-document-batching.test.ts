import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, dumpCache, openLogged, prose, tempDir, tinyOptions, writeFiles } from './test-kit';

/**
 * Documents share lower-pass batches (sorted by length across documents), yet every stored
 * state is byte-identical to encoding one window at a time, and postings and document
 * frequencies (summed per document before they are written) stay consistent.
 */
const root = tempDir('xbatch');
const docs = join(root, 'docs');
afterAll(() => cleanup(root));

/** 24 documents: most one short window, some several windows (48-token windows in tinyOptions). */
const files: Record<string, string> = {};
for (let i = 0; i < 24; i++) files[`d${String(i).padStart(2, '0')}.txt`] = prose(100 + i, i % 5 === 0 ? 6 : 1);
writeFiles(docs, files);

async function indexAll(name: string, batchSize: number) {
  const db = join(root, name);
  const { library, log } = await openLogged(tinyOptions(db, join(root, 'graphs'), { settings: { batchSize } }));
  try {
    await library.addFolder(docs);
    await library.whenIdle();
    return { db, batches: library.lowerBatches, indexed: log.indexedPaths() };
  } finally {
    await library.close();
  }
}

/** Document frequency per term as stored, and as counted from the postings. */
function documentFrequencies(db: string): { stored: Map<string, number>; counted: Map<string, number> } {
  const env = open({ path: join(db, 'library.mdb'), maxDbs: 12, readOnly: true });
  try {
    const stored = new Map<string, number>();
    for (const { key, value } of env.openDB<number, string>({ name: 'df' }).getRange()) stored.set(key, value);
    const counted = new Map<string, number>();
    for (const { key } of env.openDB<unknown, [string, string]>({ name: 'terms' }).getRange()) counted.set(key[0], (counted.get(key[0]) ?? 0) + 1);
    return { stored, counted };
  } finally {
    void env.close();
  }
}

describe('cross-document lower-pass batching', () => {
  it('encodes many small documents in fewer batches than documents, with states identical to one window per batch', async () => {
    const shared = await indexAll('db-shared', 8);
    const alone = await indexAll('db-alone', 1);
    const a = dumpCache(shared.db, true);
    const b = dumpCache(alone.db, true);

    expect(shared.indexed.length).toBe(24);
    expect(a.passages.size).toBeGreaterThan(24);
    expect(alone.batches).toBe(b.passages.size); // one window per batch: the reference encoding
    expect(shared.batches).toBeLessThan(24); // fewer batches than documents: they were shared
    expect(shared.batches).toBeLessThanOrEqual(Math.ceil(a.passages.size / 8) + 2);

    expect(a.problems).toEqual([]);
    expect(a.states.size).toBe(a.passages.size);
    expect(a.states).toEqual(b.states); // sha256 of every passage's stored state bytes
    expect([...a.passages.values()].map((p) => p.text)).toEqual([...b.passages.values()].map((p) => p.text));

    const df = documentFrequencies(shared.db);
    expect(df.stored.size).toBeGreaterThan(0);
    expect(df.stored).toEqual(df.counted);
  });
});
