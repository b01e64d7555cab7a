import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBm25, idf, passageTerms, queryTerms, tfWeight } from '../answer/bm25';
import { passageId } from './cache-key';
import { LibraryStore } from './store';
import type { DocumentWrite, TermHit } from './types';

/**
 * The pruned BM25 (term-index.ts: rarest terms first, then only candidates that can still reach
 * the top) must return exactly what scoring every posting of every term returns.
 */
const common = ['river', 'city', 'year', 'music', 'church', 'water'];
const rare = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}q`);

function corpus(n: number): string[] {
  let s = 11;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () =>
    Array.from({ length: 8 + Math.floor(next() * 30) }, () => (next() < 0.5 ? common[Math.floor(next() * common.length)] : rare[Math.floor(next() ** 2 * rare.length)])).join(' '),
  );
}

/** Every posting of every query term, summed: the reference. */
function exhaustive(texts: string[], query: string, limit: number): TermHit[] {
  const analysed = texts.map((t) => passageTerms(t));
  const avg = analysed.reduce((n, a) => n + a.length, 0) / analysed.length;
  const hits: TermHit[] = [];
  analysed.forEach((a, i) => {
    let score = 0;
    let matched = false;
    for (const [term, weight] of queryTerms(query)) {
      const df = analysed.filter((x) => x.tf.has(term)).length;
      const tf = a.tf.get(term);
      if (!tf) continue;
      matched = true;
      score += weight * idf(df, analysed.length) * tfWeight(tf, a.length, avg, defaultBm25);
    }
    if (matched) hits.push({ passageId: passageId(`/lib/${i}.txt`, 0), score });
  });
  hits.sort((x, y) => y.score - x.score || (x.passageId < y.passageId ? -1 : 1));
  return hits.slice(0, limit);
}

describe('BM25 with pruning', () => {
  const texts = corpus(400);
  let dir: string;
  let store: LibraryStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'term-index-'));
    store = LibraryStore.open(dir, { modelFingerprint: 'none', k: 0, passageOffset: 0, precision: 'fp16', windowTokens: 320, overlapTokens: 64 });
    const writes: DocumentWrite[] = texts.map((text, i) => {
      const path = `/lib/${i}.txt`;
      const id = passageId(path, 0);
      return {
        doc: { path, folder: '/lib', sha256: `s${i}`, size: 1, mtimeMs: 1, status: 'done', passageIds: [id] },
        passages: [{ id, docPath: path, index: 0, text, charStart: 0, charEnd: text.length, tokenCount: 1, ids: [1], offsets: [[0, 1]] }],
        states: [],
      };
    });
    await store.writeDocuments(writes);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [`river city year ${rare[3]} ${rare[200]}`, 10],
    [`${rare[0]} ${rare[1]} music church water`, 5],
    ['river year', 10],
    [`${rare[150]} city`, 1],
    [`${rare[250]} ${rare[251]} ${rare[252]} river city year music church water`, 20],
  ])('"%s" (top %i): the same passages and scores as scoring every posting', (query, limit) => {
    const got = store.search(query, limit);
    const want = exhaustive(texts, query, limit);
    expect(got.map((h) => h.passageId)).toEqual(want.map((h) => h.passageId));
    got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 9));
  });
});
