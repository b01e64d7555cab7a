import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { passageId } from './cache-key';
import { LibraryStore } from './store';
import type { CacheIdentity, DocumentRecord, PassageChunk, PassageRecord } from './types';

/**
 * A document written across several transactions (beginDocument → writePassages × n →
 * finishDocument): readers see the old document until the flip, a crash mid-write leaves
 * nothing that dropUnfinished does not remove, and the replaced generation is removed.
 */
const hidden = 4;
const identity: CacheIdentity = { modelFingerprint: 'g'.repeat(64), k: 1, passageOffset: 0, precision: 'fp32', windowTokens: 32, overlapTokens: 4 };
const path = '/lib/big.txt';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-gen-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function passage(index: number, word: string, generation?: string): PassageRecord {
  const text = `${word} passage number ${index}`;
  return { id: passageId(path, index, generation), docPath: path, index, text, charStart: 0, charEnd: text.length, tokenCount: 3, ids: [5, 6, 7], offsets: [[0, 1], [1, 2], [2, 3]] };
}

const threeTokens = () => ({ data: new Float32Array(3 * hidden).fill(1), tokens: 3, hidden });

function chunk(from: number, count: number, word: string, generation: string): PassageChunk {
  const passages = Array.from({ length: count }, (_, i) => passage(from + i, word, generation));
  return { docPath: path, generation, passages, states: passages.map(threeTokens) };
}

function record(passageIds: string[], generation?: string): DocumentRecord {
  return { path, folder: '/lib', sha256: 'x', size: 1, mtimeMs: 1, status: 'done', documentTokens: passageIds.length * 3, passageIds, generation };
}

/** Every passage id in the raw file (closed store). */
async function rawPassageIds(): Promise<string[]> {
  const env = open({ path: join(dir, 'library.mdb'), maxDbs: 12 });
  const ids = [...env.openDB<unknown, string>({ name: 'passages' }).getKeys()];
  const states = env.openDB({ name: 'states', encoding: 'binary' }).getKeysCount();
  const terms = [...env.openDB<unknown, [string, string]>({ name: 'terms' }).getKeys()].map((k) => k[1]);
  await env.close();
  expect(states).toBe(ids.length);
  expect(new Set(terms)).toEqual(new Set(ids)); // no posting without its passage
  return ids.sort();
}

describe('documents written in generations', () => {
  it('keeps the old document visible until the flip, then removes the old generation', async () => {
    const store = LibraryStore.open(dir, identity);
    const old = Array.from({ length: 3 }, (_, i) => passage(i, 'walnut'));
    await store.writeDocument({ doc: record(old.map((p) => p.id)), passages: old, states: old.map(threeTokens) });

    await store.beginDocument(path, 'g1');
    await store.writePassages(chunk(0, 200, 'saffron', 'g1'));
    await store.writePassages(chunk(200, 150, 'saffron', 'g1'));
    // Mid-write: the record, search and stats' document all still show the old document.
    expect(store.getDocument(path)!.passageIds).toEqual(old.map((p) => p.id));
    expect(store.search('saffron', 10)).toEqual([]);
    expect(store.search('walnut', 10).map((h) => h.passageId).sort()).toEqual(old.map((p) => p.id).sort());

    const ids = Array.from({ length: 350 }, (_, i) => passageId(path, i, 'g1'));
    await store.finishDocument(record(ids, 'g1'));
    expect(store.getDocument(path)!.passageIds).toHaveLength(350);
    expect(store.search('walnut', 10)).toEqual([]);
    expect(store.search('saffron', 5)).toHaveLength(5);
    expect(store.stats().passages).toBe(350);

    // Replacing a generation with the next one removes the first, in chunks.
    await store.beginDocument(path, 'g2');
    await store.writePassages(chunk(0, 2, 'quince', 'g2'));
    await store.finishDocument(record([passageId(path, 0, 'g2'), passageId(path, 1, 'g2')], 'g2'));
    expect(store.stats().passages).toBe(2);
    await store.close();
    expect(await rawPassageIds()).toEqual([passageId(path, 0, 'g2'), passageId(path, 1, 'g2')].sort());
  });

  it('a write cut off before its flip is invisible and removed by dropUnfinished on the next open', async () => {
    const store = LibraryStore.open(dir, identity);
    const old = [passage(0, 'walnut')];
    await store.writeDocument({ doc: record([old[0].id]), passages: old, states: old.map(threeTokens) });
    await store.beginDocument(path, 'g1');
    await store.writePassages(chunk(0, 300, 'saffron', 'g1'));
    await store.close(); // the process dies here

    const reopened = LibraryStore.open(dir, identity);
    expect(reopened.search('saffron', 10)).toEqual([]); // a reader opening it meanwhile sees no part of it
    expect(await reopened.dropUnfinished()).toBe(300);
    expect(reopened.getDocument(path)!.passageIds).toEqual([old[0].id]);
    expect(reopened.stats().passages).toBe(1);
    await reopened.close();
    expect(await rawPassageIds()).toEqual([old[0].id]);
  });

  it('abandonDocument removes a write that failed; removing a generation document removes its passages', async () => {
    const store = LibraryStore.open(dir, identity);
    await store.beginDocument(path, 'g1');
    await store.writePassages(chunk(0, 130, 'saffron', 'g1'));
    await store.abandonDocument(path, 'g1');
    expect(store.stats().passages).toBe(0);
    await store.beginDocument(path, 'g2');
    await store.writePassages(chunk(0, 140, 'saffron', 'g2'));
    await store.finishDocument(record(Array.from({ length: 140 }, (_, i) => passageId(path, i, 'g2')), 'g2'));
    await store.removeDocument(path);
    expect(store.stats()).toMatchObject({ documents: 0, passages: 0, storedTokens: 0, documentTokens: 0, stateBytes: 0 });
    await store.close();
    expect(await rawPassageIds()).toEqual([]);
  });

  it('drops a generation reading one state header at most, whatever its size, and its counts come back to zero', async () => {
    // Reading a state maps it whole into LMDB's chunk cache, which is bounded by entries, not bytes (store.ts removeStatesInTxn).
    const wide = 64; // group codecs need whole 32-value groups
    const states = () => ({ data: Float32Array.from({ length: 3 * wide }, (_, i) => Math.sin(i)), tokens: 3, hidden: wide });
    for (const precision of ['fp16', 'int4'] as const) {
      const sub = mkdtempSync(join(dir, `${precision}-`));
      for (let open = 0; open < 2; open++) {
        const store = LibraryStore.open(sub, { ...identity, precision });
        const generation = `g${open}`;
        const ids = Array.from({ length: 300 }, (_, i) => passageId(path, i, generation));
        await store.beginDocument(path, generation);
        for (const from of [0, 150]) {
          const passages = Array.from({ length: 150 }, (_, i) => passage(from + i, 'saffron', generation));
          await store.writePassages({ docPath: path, generation, passages, states: passages.map(states) });
        }
        await store.finishDocument(record(ids, generation));
        expect(store.stats().stateBytes).toBe(300 * 3 * store.bytesPerToken(wide));
        const reads = vi.spyOn((store as unknown as { states: { getBinaryFast(id: string): unknown } }).states, 'getBinaryFast');
        await store.removeDocument(path);
        expect(reads.mock.calls.length).toBeLessThanOrEqual(1); // a fresh store learns the width once
        expect(store.stats()).toMatchObject({ passages: 0, storedTokens: 0, stateBytes: 0 });
        await store.close();
      }
    }
  });

  it('refuses passages written without beginDocument or under the stored generation', async () => {
    const store = LibraryStore.open(dir, identity);
    await expect(store.writePassages(chunk(0, 1, 'x', 'g1'))).rejects.toThrow(/before beginDocument/);
    await store.beginDocument(path, 'g1');
    await store.writePassages(chunk(0, 1, 'x', 'g1'));
    await store.finishDocument(record([passageId(path, 0, 'g1')], 'g1'));
    await expect(store.beginDocument(path, 'g1')).rejects.toThrow(/stored one/);
    await store.close();
  });
});
