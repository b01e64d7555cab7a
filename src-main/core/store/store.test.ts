import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { passageTerms } from '../answer/bm25';
import { passageId } from './cache-key';
import { hadamardInPlace } from './hadamard';
import { decodeStates, encodeStates } from './quantize';
import { LibraryStore } from './store';
import type { CacheIdentity, DocumentRecord, DocumentWrite, Precision } from './types';

const hidden = 8;
const identity: CacheIdentity = { modelFingerprint: 'f'.repeat(64), k: 2, passageOffset: 0, precision: 'fp32', windowTokens: 320, overlapTokens: 64 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Deterministic states [tokens, hidden]. */
function states(tokens: number, seed: number): Float32Array {
  return Float32Array.from({ length: tokens * hidden }, (_, i) => Math.sin(seed * 31 + i * 0.37) * (1 + (i % 5)));
}

/** A document of `texts.length` passages, passage i having i + 3 tokens. */
function docWrite(path: string, texts: string[], folder = '/lib'): DocumentWrite {
  const passages = texts.map((text, index) => ({
    id: passageId(path, index),
    docPath: path,
    index,
    text,
    charStart: index * 100,
    charEnd: index * 100 + text.length,
    tokenCount: index + 3,
    ids: Array.from({ length: index + 3 }, (_, t) => 100 + t),
    offsets: Array.from({ length: index + 3 }, (_, t): [number, number] => [t, t + 1]),
  }));
  const doc: DocumentRecord = {
    path,
    folder,
    sha256: `sha-${path}-${texts.length}`,
    size: 1000,
    mtimeMs: 1,
    status: 'done',
    documentTokens: 2 * texts.length,
    passageIds: passages.map((p) => p.id),
  };
  return { doc, passages, states: passages.map((p, i) => ({ data: states(p.tokenCount, i + path.length), tokens: p.tokenCount, hidden })) };
}

/** Entry counts of every database, read straight from LMDB after the store is closed. */
async function rawCounts(): Promise<Record<string, number>> {
  const env = open({ path: join(dir, 'library.mdb'), maxDbs: 12 });
  const counts: Record<string, number> = {};
  for (const name of ['docs', 'passages', 'states', 'terms', 'df']) counts[name] = env.openDB({ name }).getKeysCount();
  await env.close();
  return counts;
}

/** Postings and distinct terms that these passage texts should leave in the index. */
function expectedTerms(texts: string[]): { terms: number; df: number } {
  const distinct = new Set<string>();
  let terms = 0;
  for (const t of texts) {
    const pt = passageTerms(t);
    terms += pt.tf.size;
    for (const term of pt.tf.keys()) distinct.add(term);
  }
  return { terms, df: distinct.size };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('LibraryStore', () => {
  it.each(['fp32', 'fp16', 'int8', 'int4', 'int3'] as Precision[])('round-trips documents, passages and %s states', async (precision) => {
    const store = LibraryStore.open(dir, { ...identity, precision });
    const write = docWrite('/lib/a.txt', ['Denver Broncos won Super Bowl 50.', 'The game was played at Levi Stadium.']);
    await store.writeDocument(write);
    expect(store.getDocument('/lib/a.txt')).toEqual(write.doc);
    expect(store.getPassage(write.passages[1].id)).toEqual(write.passages[1]);
    const many = store.readStatesMany(write.passages.map((p) => p.id));
    write.states.forEach((s, i) => {
      const back = store.readStates(write.passages[i].id);
      expect(back.tokens).toBe(s.tokens);
      expect(back.hidden).toBe(hidden);
      expect(many[i].data).toEqual(back.data);
      // Same values as the quantiser alone gives: the store adds nothing and loses nothing.
      expect(back.data).toEqual(decodeStates(encodeStates(s, precision), 'p').data);
      if (precision === 'int4' || precision === 'int3') {
        // Group codes are of the rotated states (hadamard.ts): within half a step there.
        const [x, y] = [s.data.slice(), back.data.slice()];
        hadamardInPlace(x, s.tokens, hidden);
        hadamardInPlace(y, s.tokens, hidden);
        const maxErr = Math.max(...Array.from(y, (v, j) => Math.abs(v - x[j])));
        expect(maxErr).toBeLessThanOrEqual((Math.max(...Array.from(x, Math.abs)) / (precision === 'int4' ? 7.5 : 3.5)) * 0.501);
      } else {
        const maxErr = Math.max(...Array.from(back.data, (v, j) => Math.abs(v - s.data[j])));
        if (precision === 'fp32') expect(maxErr).toBe(0);
        else expect(maxErr).toBeLessThan(precision === 'fp16' ? 5 * 2 ** -11 : 5 / 127 / 2 + 1e-6);
      }
    });
    const stats = store.stats();
    // hidden 8 is one 32-value group: one fp16 scale + 8 codes of 4 or 3 bits.
    const bytesPerToken = { fp32: 4 * hidden, fp16: 2 * hidden, int8: hidden + 4, int4: 2 + 4, int3: 2 + 3 }[precision];
    expect(stats).toEqual({ documents: 1, passages: 2, storedTokens: 3 + 4, documentTokens: 4, stateBytes: 7 * bytesPerToken });
    expect(store.bytesPerToken(hidden)).toBe(bytesPerToken);
    await store.close();
  });

  it('replaces a document in one transaction and leaves no orphan passages, states or postings', async () => {
    const store = LibraryStore.open(dir, identity);
    const v1 = ['alpha beta gamma', 'delta epsilon zeta', 'eta theta iota'];
    const v2 = ['alpha kappa'];
    await store.writeDocument(docWrite('/lib/a.txt', v1));
    await store.writeDocument(docWrite('/lib/b.txt', ['beta omega']));
    await store.writeDocument(docWrite('/lib/a.txt', v2));
    expect(store.getDocument('/lib/a.txt')?.passageIds).toEqual([passageId('/lib/a.txt', 0)]);
    expect(store.getPassage(passageId('/lib/a.txt', 1))).toBeUndefined();
    expect(store.search('delta theta', 10)).toEqual([]);
    expect(store.search('kappa', 10).map((h) => h.passageId)).toEqual([passageId('/lib/a.txt', 0)]);
    expect(store.search('beta', 10).map((h) => h.passageId)).toEqual([passageId('/lib/b.txt', 0)]);
    expect(store.stats()).toMatchObject({ documents: 2, passages: 2, storedTokens: 6, documentTokens: 4 });
    await store.close();
    const expected = expectedTerms([...v2, 'beta omega']);
    expect(await rawCounts()).toEqual({ docs: 2, passages: 2, states: 2, terms: expected.terms, df: expected.df });
  });

  it('rolls back a write that fails midway: the old version stays whole', async () => {
    const store = LibraryStore.open(dir, identity);
    await store.writeDocument(docWrite('/lib/a.txt', ['old first passage', 'old second passage']));
    const bad = docWrite('/lib/a.txt', ['new text one', 'new text two', 'new text three']);
    // The third passage fails to serialise inside the transaction, after the old version was removed
    // and two new passages were written.
    let reads = 0;
    Object.defineProperty(bad.passages[2], 'text', {
      enumerable: true,
      get: () => {
        if (++reads > 1) throw new Error('disk gremlin');
        return 'new text three';
      },
    });
    await expect(store.writeDocument(bad)).rejects.toThrow('disk gremlin');
    expect(store.getDocument('/lib/a.txt')?.sha256).toBe('sha-/lib/a.txt-2');
    expect(store.getPassage(passageId('/lib/a.txt', 0))?.text).toBe('old first passage');
    expect(store.getPassage(passageId('/lib/a.txt', 2))).toBeUndefined();
    expect(store.search('new', 10)).toEqual([]);
    expect(store.search('old second', 10)[0].passageId).toBe(passageId('/lib/a.txt', 1));
    expect(store.stats()).toMatchObject({ passages: 2, storedTokens: 7 });
    await store.close();
  });

  it('stores passages without states when there is no model, and says so on read', async () => {
    const store = LibraryStore.open(dir, identity);
    const write = { ...docWrite('/lib/a.txt', ['search only text']), states: [] };
    await store.writeDocument(write);
    expect(store.search('search', 5)).toHaveLength(1);
    expect(store.stats()).toMatchObject({ passages: 1, storedTokens: 0, stateBytes: 0 });
    const err = thrown(() => store.readStates(write.passages[0].id));
    expect(isDeskError(err, 'NOT_FOUND') && /without lower states/.test(err.message)).toBe(true);
    expect(isDeskError(thrown(() => store.readStates('nope-0')), 'NOT_FOUND')).toBe(true);
    await store.close();
  });

  it('refuses inconsistent writes before touching the store', async () => {
    const store = LibraryStore.open(dir, identity);
    const write = docWrite('/lib/a.txt', ['one', 'two']);
    await expect(store.writeDocument({ ...write, states: write.states.slice(1) })).rejects.toThrow(/2 passages but 1/);
    await expect(store.writeDocument({ ...write, passages: write.passages.map((p) => ({ ...p, id: `x${p.index}` })) })).rejects.toThrow(/passageId/);
    expect(store.stats().documents).toBe(0);
    await store.close();
  });

  it('records a status without passages, dropping the old ones', async () => {
    const store = LibraryStore.open(dir, identity);
    const write = docWrite('/lib/a.txt', ['some words here', 'more words']);
    await store.writeDocument(write);
    await store.putDocumentStatus({ ...write.doc, status: 'failed', code: 'EXTRACT_FAILED', reason: 'corrupt PDF' });
    expect(store.getDocument('/lib/a.txt')).toMatchObject({ status: 'failed', passageIds: [], reason: 'corrupt PDF' });
    expect(store.getPassage(write.passages[0].id)).toBeUndefined();
    expect(store.search('words', 5)).toEqual([]);
    expect(store.stats()).toEqual({ documents: 1, passages: 0, storedTokens: 0, documentTokens: 0, stateBytes: 0 });
    await store.touchDocument('/lib/a.txt', { size: 5, mtimeMs: 9 });
    expect(store.getDocument('/lib/a.txt')).toMatchObject({ size: 5, mtimeMs: 9, status: 'failed' });
    await store.close();
    expect(await rawCounts()).toEqual({ docs: 1, passages: 0, states: 0, terms: 0, df: 0 });
  });

  it('removes documents and whole folders', async () => {
    const store = LibraryStore.open(dir, identity);
    await store.addFolder('/lib');
    await store.addFolder('/other');
    await store.addFolder('/lib');
    expect(store.listFolders()).toEqual(['/lib', '/other']);
    await store.writeDocument(docWrite('/lib/a.txt', ['apples and pears']));
    await store.writeDocument(docWrite('/lib/sub/b.txt', ['pears and plums', 'plums again']));
    await store.writeDocument(docWrite('/other/c.txt', ['plums only'], '/other'));
    expect(store.listDocuments('/lib').map((d) => d.path).sort()).toEqual(['/lib/a.txt', '/lib/sub/b.txt']);
    await store.removeDocument('/lib/a.txt');
    expect(store.search('apples', 5)).toEqual([]);
    await store.removeFolder('/lib');
    expect(store.listFolders()).toEqual(['/other']);
    expect(store.listDocuments().map((d) => d.path)).toEqual(['/other/c.txt']);
    expect(store.search('plums pears', 5).map((h) => h.passageId)).toEqual([passageId('/other/c.txt', 0)]);
    expect(store.stats()).toMatchObject({ documents: 1, passages: 1, storedTokens: 3 });
    await store.close();
    const expected = expectedTerms(['plums only']);
    expect(await rawCounts()).toEqual({ docs: 1, passages: 1, states: 1, terms: expected.terms, df: expected.df });
  });

  it('ranks by BM25: rarer shared terms and word order win, limit is honoured', async () => {
    const store = LibraryStore.open(dir, identity);
    const texts = [
      'The Denver Broncos defeated the Carolina Panthers to win Super Bowl 50.',
      'Carolina is a state; Denver is a city; both have teams.',
      'A bowl of soup is super on a cold day in Denver.',
      'Stadium construction began in 2012 near Santa Clara.',
    ];
    for (const [i, t] of texts.entries()) await store.writeDocument(docWrite(`/lib/${i}.txt`, [t]));
    const hits = store.search('Which team won Super Bowl 50 in Denver?', 3);
    expect(hits).toHaveLength(3);
    expect(hits[0].passageId).toBe(passageId('/lib/0.txt', 0));
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[1].score).toBeGreaterThanOrEqual(hits[2].score);
    expect(store.search('Santa Clara stadium', 10).map((h) => h.passageId)).toEqual([passageId('/lib/3.txt', 0)]);
    expect(store.search('the of and', 10)).toEqual([]);
    expect(store.search('Denver', 0)).toEqual([]);
    await store.close();
  });

  it('batches many concurrent writes and keeps every one', async () => {
    const store = LibraryStore.open(dir, identity);
    const writes = Array.from({ length: 60 }, (_, i) => docWrite(`/lib/${i}.txt`, [`document number${i} shared`, `second part${i}`]));
    await Promise.all(writes.map((w) => store.writeDocument(w)));
    expect(store.stats()).toMatchObject({ documents: 60, passages: 120 });
    expect(store.search('number17', 5)[0].passageId).toBe(passageId('/lib/17.txt', 0));
    expect(store.search('shared', 100)).toHaveLength(60);
    await store.close();
  });

  it('keeps everything across close and reopen', async () => {
    let store = LibraryStore.open(dir, { ...identity, precision: 'int8' });
    const write = docWrite('/lib/a.txt', ['persistent words', 'second window']);
    await store.addFolder('/lib');
    await store.writeDocument(write);
    const before = { states: store.readStates(write.passages[1].id), hits: store.search('persistent', 5), stats: store.stats() };
    await store.close();
    store = LibraryStore.open(dir, { ...identity, precision: 'int8' });
    expect(store.listFolders()).toEqual(['/lib']);
    expect(store.getDocument('/lib/a.txt')).toEqual(write.doc);
    expect(store.readStates(write.passages[1].id)).toEqual(before.states);
    expect(store.search('persistent', 5)).toEqual(before.hits);
    expect(store.stats()).toEqual(before.stats);
    await store.close();
  });

  it('refuses another identity with a message that names the difference', async () => {
    const store = LibraryStore.open(dir, identity);
    await store.writeDocument(docWrite('/lib/a.txt', ['words']));
    await store.close();
    const err = thrown(() => LibraryStore.open(dir, { ...identity, k: 3, precision: 'fp16' }));
    expect(isDeskError(err, 'STORE_INCOMPATIBLE')).toBe(true);
    expect((err as Error).message).toMatch(/k 2 → 3, precision fp32 → fp16/);
    // The refused open changed nothing.
    const again = LibraryStore.open(dir, identity);
    expect(again.stats().passages).toBe(1);
    await again.close();
  });

  it('resets to a new identity: drops states and postings, queues every document, keeps folders', async () => {
    let store = LibraryStore.open(dir, identity);
    await store.addFolder('/lib');
    await store.writeDocument(docWrite('/lib/a.txt', ['alpha words', 'beta words']));
    await store.putDocumentStatus({ ...docWrite('/lib/b.pdf', []).doc, status: 'failed', reason: 'corrupt', code: 'EXTRACT_FAILED' });
    await store.close();

    const changed = { ...identity, modelFingerprint: 'e'.repeat(64) };
    store = LibraryStore.open(dir, changed, { onMismatch: 'reset' });
    expect(store.identity).toEqual(changed);
    expect(store.listFolders()).toEqual(['/lib']);
    const docs = store.listDocuments();
    expect(docs.map((d) => [d.path, d.status, d.passageIds.length])).toEqual([
      ['/lib/a.txt', 'queued', 0],
      ['/lib/b.pdf', 'queued', 0],
    ]);
    expect(docs[1].reason).toBeUndefined();
    expect(docs[0].sha256).toBe('sha-/lib/a.txt-2');
    expect(store.search('words', 5)).toEqual([]);
    expect(store.stats()).toEqual({ documents: 2, passages: 0, storedTokens: 0, documentTokens: 0, stateBytes: 0 });
    await store.writeDocument(docWrite('/lib/a.txt', ['alpha words']));
    expect(store.search('words', 5)).toHaveLength(1);
    await store.close();
    expect(await rawCounts()).toMatchObject({ docs: 2, passages: 1, states: 1 });
    // The new identity is now the store's own: opening with it needs no reset.
    store = LibraryStore.open(dir, changed);
    expect(store.stats().passages).toBe(1);
    await store.close();
  });

  it('reports a damaged state record as STORE_CORRUPT', async () => {
    let store = LibraryStore.open(dir, identity);
    const write = docWrite('/lib/a.txt', ['text']);
    await store.writeDocument(write);
    await store.close();
    const env = open({ path: join(dir, 'library.mdb'), maxDbs: 12 });
    const statesDb = env.openDB({ name: 'states', encoding: 'binary' });
    const id = write.passages[0].id;
    await statesDb.put(id, statesDb.getBinary(id)!.subarray(0, 20));
    await env.close();
    store = LibraryStore.open(dir, identity);
    const err = thrown(() => store.readStates(id));
    expect(isDeskError(err, 'STORE_CORRUPT')).toBe(true);
    await store.close();
  });

  it('reports states in another precision than the store as STORE_CORRUPT', async () => {
    let store = LibraryStore.open(dir, identity);
    const write = docWrite('/lib/a.txt', ['text']);
    await store.writeDocument(write);
    await store.close();
    const env = open({ path: join(dir, 'library.mdb'), maxDbs: 12 });
    const s = write.states[0];
    await env.openDB({ name: 'states', encoding: 'binary' }).put(write.passages[0].id, Buffer.from(encodeStates(s, 'fp16')));
    await env.close();
    store = LibraryStore.open(dir, identity);
    expect(isDeskError(thrown(() => store.readStates(write.passages[0].id)), 'STORE_CORRUPT')).toBe(true);
    await store.close();
  });

  it('refuses a file that is not an LMDB environment instead of crashing on it', () => {
    writeFileSync(join(dir, 'library.mdb'), Buffer.alloc(20000, 0x5a));
    expect(isDeskError(thrown(() => LibraryStore.open(dir, identity)), 'STORE_CORRUPT')).toBe(true);
  });

  it('rebuilds a term index built by another analyzer version from the stored passages', async () => {
    let store = LibraryStore.open(dir, identity);
    await store.writeDocument(docWrite('/lib/a.txt', ['rebuild these words', 'and these']));
    const before = store.search('words', 5);
    await store.close();
    const env = open({ path: join(dir, 'library.mdb'), maxDbs: 12 });
    const meta = env.openDB({ name: 'meta' });
    const terms = env.openDB({ name: 'terms' });
    await meta.put('termIndex', { version: -1, passages: 0, totalLength: 0 });
    await terms.put(['stale', 'x-0'], [1, 1]);
    await env.close();
    store = LibraryStore.open(dir, identity);
    expect(store.search('words', 5)).toEqual(before);
    expect(store.search('stale', 5)).toEqual([]);
    await store.close();
    const expected = expectedTerms(['rebuild these words', 'and these']);
    expect(await rawCounts()).toMatchObject({ terms: expected.terms, df: expected.df });
  });
});
