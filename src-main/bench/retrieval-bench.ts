import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSquad } from '../core/eval/squad-data';
import { passageId } from '../core/store/cache-key';
import { LibraryStore } from '../core/store/store';
import type { CacheIdentity, DocumentWrite } from '../core/store/types';
import { squadDevPath } from '../core/testing/paths';

/**
 * Retrieval quality and speed of the real store: every SQuAD dev paragraph is one document with one
 * passage, written through LibraryStore.writeDocument without lower states (the store's search-only
 * mode, as for a library indexed without a model), and every question is a query; recall@k is the
 * share of questions whose own paragraph is among the first k hits.
 */

/** Options of the retrieval bench. */
export interface RetrievalBenchOptions {
  log: (s: string) => void;
  /** Scratch folder; the bench's store goes in `<workDir>/retrieval-store`, rebuilt each run. */
  workDir: string;
  /** Use only the first N paragraphs and their questions (tests); default all 2,067. */
  paragraphs?: number;
  /** SQuAD v1.1 file; default shared/data/squad/dev-v1.1.json. */
  squadPath?: string;
}

/** Recall@k in percent, sizes, and the wall time of indexing plus querying. */
export interface RetrievalBenchResult {
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  recallAt20: number;
  questions: number;
  paragraphs: number;
  ms: number;
  indexMs: number;
  /** Mean time of one store.search call. */
  queryMs: number;
}

const identity: CacheIdentity = {
  modelFingerprint: 'retrieval-bench',
  k: 0,
  passageOffset: 0,
  precision: 'fp32',
  windowTokens: 384,
  overlapTokens: 0,
};

/** Writes in flight at once: LMDB batches queued transactions into one commit. */
const writeBatch = 256;

/** Indexes the paragraphs through the store, asks every question, and reports recall@1/5/10/20. */
export async function runRetrievalBench(opts: RetrievalBenchOptions): Promise<RetrievalBenchResult> {
  const dataset = loadSquad(opts.squadPath ?? squadDevPath);
  const paragraphs = dataset.paragraphs.slice(0, opts.paragraphs ?? dataset.paragraphs.length);
  const dir = join(opts.workDir, 'retrieval-store');
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const store = LibraryStore.open(dir, identity);
  try {
    const folder = 'squad-dev';
    await store.addFolder(folder);
    const writes = paragraphs.map((p) => paragraphWrite(folder, p.id, p.context));
    for (let i = 0; i < writes.length; i += writeBatch) {
      await Promise.all(writes.slice(i, i + writeBatch).map((w) => store.writeDocument(w)));
    }
    const indexMs = performance.now() - started;

    const cutoffs = [1, 5, 10, 20];
    const hits = [0, 0, 0, 0];
    let questions = 0;
    const queryStart = performance.now();
    for (const [i, p] of paragraphs.entries()) {
      const own = writes[i].passages[0].id;
      for (const q of p.questions) {
        questions++;
        const rank = store.search(q.question, 20).findIndex((h) => h.passageId === own);
        cutoffs.forEach((k, j) => {
          if (rank >= 0 && rank < k) hits[j]++;
        });
      }
    }
    const queryMs = (performance.now() - queryStart) / Math.max(1, questions);
    const recall = hits.map((h) => round1((100 * h) / Math.max(1, questions)));
    const result: RetrievalBenchResult = {
      recallAt1: recall[0],
      recallAt5: recall[1],
      recallAt10: recall[2],
      recallAt20: recall[3],
      questions,
      paragraphs: paragraphs.length,
      ms: Math.round(performance.now() - started),
      indexMs: Math.round(indexMs),
      queryMs: Math.round(queryMs * 1000) / 1000,
    };
    opts.log(
      `retrieval: ${result.paragraphs} paragraphs, ${result.questions} questions; ` +
        `recall@1/5/10/20 = ${recall.join(' / ')} %; index ${result.indexMs} ms, ${result.queryMs} ms per query`,
    );
    return result;
  } finally {
    await store.close();
  }
}

/** One SQuAD paragraph as a document with a single passage and no lower states. */
function paragraphWrite(folder: string, id: string, context: string): DocumentWrite {
  const path = `${folder}/${id}`;
  const pid = passageId(path, 0);
  return {
    doc: { path, folder, sha256: id, size: context.length, mtimeMs: 0, status: 'done', textLength: context.length, passageIds: [pid] },
    passages: [{ id: pid, docPath: path, index: 0, text: context, charStart: 0, charEnd: context.length, tokenCount: 0, ids: [], offsets: [] }],
    states: [],
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const workDir = process.argv[2] ?? join(import.meta.dirname, '../../.cache/bench');
  runRetrievalBench({ log: console.log, workDir }).then((r) => console.log(JSON.stringify(r)));
}
