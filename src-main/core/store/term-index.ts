import type { Database } from 'lmdb';
import { defaultBm25, idf, passageTerms, queryTerms, tfWeight, type Bm25Params, type PassageTerms } from '../answer/bm25';
import { analyzerVersion } from '../answer/terms';
import type { TermHit } from './types';

/**
 * The BM25 term index, kept in the library's LMDB environment and written inside the caller's
 * transaction, so a passage and its postings appear and disappear together.
 *
 * Layout:
 *   terms  [term, passageId] → [tf, passageLength]   ordered keys: one range scan reads a term's postings;
 *                                                     the length rides along so a query needs no other read
 *   df     term → number of passages holding it       kept in step with `terms`, so queries never count
 *   meta   'termIndex' → { version, passages, totalLength }   N and the mean length for BM25
 * A term is a single analysed word or an adjacent pair "a b" (answer/terms.ts). Removing a passage
 * re-analyses its stored text to find its postings: the analyzer is deterministic and its version is
 * stored, and an index built by another version is rebuilt from the passages' texts.
 */

/** Corpus totals BM25 needs, and the analyzer version that built the index. */
export interface TermCorpus {
  version: number;
  passages: number;
  totalLength: number;
}

const corpusKey = 'termIndex';
/** Above every passage id (ASCII): ends a term's range scan. */
const afterAllIds = '\uffff';

/** Postings, document frequencies and corpus totals over the databases it is given; see the layout above. */
export class TermIndex {
  constructor(
    private readonly terms: Database<[number, number], [string, string]>,
    private readonly df: Database<number, string>,
    private readonly meta: Database<unknown, string>,
  ) {}

  /** Totals as stored; a store that never indexed has an empty corpus of the current version. */
  corpus(): TermCorpus {
    return (this.meta.get(corpusKey) as TermCorpus | undefined) ?? { version: analyzerVersion, passages: 0, totalLength: 0 };
  }

  /** Whether the index was built by another analyzer version (and must be rebuilt). */
  isStale(): boolean {
    return this.corpus().version !== analyzerVersion;
  }

  /** Adds a passage's postings. Call inside a write transaction. */
  add(passageId: string, pt: PassageTerms): void {
    this.addMany([[passageId, pt]]);
  }

  /**
   * Adds the postings of several passages (a whole document). Document frequencies are summed
   * per term first, so each df key is read and written once rather than once per posting.
   * Call inside a write transaction.
   */
  addMany(entries: ReadonlyArray<readonly [passageId: string, pt: PassageTerms]>): void {
    const dfDelta = new Map<string, number>();
    let length = 0;
    for (const [passageId, pt] of entries) {
      for (const [term, tf] of pt.tf) {
        this.terms.putSync([term, passageId], [tf, pt.length]);
        dfDelta.set(term, (dfDelta.get(term) ?? 0) + 1);
      }
      length += pt.length;
    }
    for (const [term, delta] of dfDelta) this.df.putSync(term, (this.df.get(term) ?? 0) + delta);
    if (entries.length > 0) this.addToCorpus(entries.length, length);
  }

  /** Removes the postings of a passage with this text. Call inside a write transaction. */
  remove(passageId: string, text: string): void {
    const pt = passageTerms(text);
    for (const term of pt.tf.keys()) {
      if (!this.terms.removeSync([term, passageId])) continue;
      const df = (this.df.get(term) ?? 1) - 1;
      if (df > 0) this.df.putSync(term, df);
      else this.df.removeSync(term);
    }
    this.addToCorpus(-1, -pt.length);
  }

  /** Empties the index (identity reset, rebuild). Call inside a write transaction. */
  clear(): void {
    this.terms.clearSync();
    this.df.clearSync();
    this.meta.putSync(corpusKey, { version: analyzerVersion, passages: 0, totalLength: 0 } satisfies TermCorpus);
  }

  /**
   * BM25 over every indexed passage; best first, ties by passage id so results are stable.
   * `isVisible` skips passages that belong to no document (a write in progress, store.ts).
   *
   * Exact top-`limit` with MaxScore pruning, so a question costs the postings of its rare terms,
   * not of its common ones (at 100k passages a common term has tens of thousands): terms are
   * scored rarest first (shortest posting list); once the limit-th best score reaches the most the remaining terms could
   * still add to a passage (weight · idf · (k1 + 1) each, as tfWeight < k1 + 1), no passage outside
   * the candidates can enter the top, and only candidates that could still reach it are completed,
   * by point reads of their postings.
   */
  search(query: string, limit: number, params: Bm25Params = defaultBm25, isVisible?: (passageId: string) => boolean): TermHit[] {
    const corpus = this.corpus();
    if (limit <= 0 || corpus.passages === 0) return [];
    const avgLength = corpus.totalLength / corpus.passages;
    const terms: Array<{ term: string; weight: number; bound: number; df: number }> = [];
    for (const [term, weight] of queryTerms(query, params)) {
      const df = this.df.get(term);
      if (!df) continue;
      const termWeight = weight * idf(df, corpus.passages);
      terms.push({ term, weight: termWeight, bound: termWeight * (params.k1 + 1), df });
    }
    // Shortest posting lists first: rare words and word pairs are cheap to scan and raise the
    // threshold, so the long lists of common words are the ones left to skip.
    terms.sort((a, b) => a.df - b.df || (a.term < b.term ? -1 : 1));
    const scores = new Map<string, number>();
    let rest = terms.reduce((sum, t) => sum + t.bound, 0); // the most terms i.. can still add
    for (let i = 0; i < terms.length; i++) {
      if (scores.size >= limit && kthBest(scores, limit) > rest) {
        completeCandidates(this.terms, scores, terms.slice(i), kthBest(scores, limit), rest, avgLength, params);
        break;
      }
      const { term, weight, bound } = terms[i];
      for (const { key, value } of this.terms.getRange({ start: [term], end: [term, afterAllIds] })) {
        const id = key[1];
        if (isVisible && !isVisible(id)) continue;
        scores.set(id, (scores.get(id) ?? 0) + weight * tfWeight(value[0], value[1], avgLength, params));
      }
      rest -= bound;
    }
    return topHits(scores, limit);
  }

  private addToCorpus(passages: number, length: number): void {
    const c = this.corpus();
    this.meta.putSync(corpusKey, {
      version: c.version,
      passages: c.passages + passages,
      totalLength: c.totalLength + length,
    } satisfies TermCorpus);
  }
}

/** The `limit` best scores, best first. */
function topHits(scores: Map<string, number>, limit: number): TermHit[] {
  const hits: TermHit[] = [];
  for (const [passageId, score] of scores) hits.push({ passageId, score });
  hits.sort((a, b) => b.score - a.score || (a.passageId < b.passageId ? -1 : a.passageId > b.passageId ? 1 : 0));
  return hits.slice(0, limit);
}

/** The limit-th best score (scores has at least `limit` entries). */
function kthBest(scores: Map<string, number>, limit: number): number {
  const top: number[] = [];
  for (const v of scores.values()) {
    if (top.length < limit) {
      top.push(v);
      if (top.length === limit) top.sort((a, b) => a - b);
    } else if (v > top[0]) {
      top[0] = v;
      for (let j = 0; j < limit - 1 && top[j] > top[j + 1]; j++) [top[j], top[j + 1]] = [top[j + 1], top[j]];
    }
  }
  return top[0];
}

/**
 * The remaining terms can add at most `rest` to any passage and the limit-th best is `threshold`
 * (> rest): drops candidates that cannot reach it (nothing outside the candidates can), and adds the
 * remaining terms' exact contributions to the others by point reads. Ties keep their candidates.
 */
function completeCandidates(
  postings: Database<[number, number], [string, string]>,
  scores: Map<string, number>,
  remaining: Array<{ term: string; weight: number }>,
  threshold: number,
  rest: number,
  avgLength: number,
  params: Bm25Params,
): void {
  for (const [id, score] of scores) {
    if (score + rest < threshold) {
      scores.delete(id);
      continue;
    }
    let total = score;
    for (const { term, weight } of remaining) {
      const value = postings.get([term, id]);
      if (value) total += weight * tfWeight(value[0], value[1], avgLength, params);
    }
    scores.set(id, total);
  }
}
