/**
 * The answer bench's library: SQuAD paragraphs shuffled into documents (so windows are full
 * W = 320 token passages of real text and BM25 retrieval does real work), with random lower
 * states of the right shape [tokens, H]. State VALUES do not change the speed of a read or of the
 * upper pass, so the library needs no lower pass and builds in seconds per thousand passages.
 *
 * Precision: int8 (H + 4 bytes per token: ~247 KB per 320-token passage, ~2.5 GB for 10,000
 * passages at H 768). fp32 would be ~10 GB, fp16 ~5 GB: int8 is the only one of the three whose
 * 10k library sits comfortably in the page cache of a 16–32 GB machine, and it is the worst case
 * for the read path (it dequantises every value), so the cache-read share measured is an upper bound.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentWrite, windowsOf, defaultWindows } from '../core/answer/document-write';
import type { SquadDataset } from '../core/eval/squad-data';
import type { LowerStates, QaEngine, Tokenizer } from '../core/model/types';
import { identityOf } from '../core/store/cache-key';
import { LibraryStore } from '../core/store/store';
import type { Precision } from '../core/store/types';

/** What to build. */
export interface BenchLibraryOptions {
  engine: QaEngine;
  tokenizer: Tokenizer;
  dataset: SquadDataset;
  /** At least this many passages. */
  passages: number;
  /** Parent folder; the library goes in `<workDir>/answer-library-<fingerprint>-k<k>-<passages>`. */
  workDir: string;
  precision?: Precision;
  /** Paragraphs per document. */
  paragraphsPerDocument?: number;
  log: (line: string) => void;
}

const markerFile = 'answer-library.json';

/** Opens the library, building it when it is missing or was interrupted. */
export async function openBenchLibrary(options: BenchLibraryOptions): Promise<LibraryStore> {
  const { engine, tokenizer, dataset, passages, log } = options;
  const precision = options.precision ?? 'int8';
  const dir = join(options.workDir, `answer-library-${engine.fingerprint.slice(0, 12)}-k${engine.k}-${passages}`);
  const identity = identityOf(engine.fingerprint, engine, { precision, ...defaultWindows });
  const marker = JSON.stringify({ passages, precision, paragraphs: dataset.paragraphs.length });
  const markerPath = join(dir, markerFile);
  const complete = existsSync(markerPath) && readFileSync(markerPath, 'utf8') === marker;
  const store = LibraryStore.open(dir, identity, { onMismatch: 'reset' });
  if (complete && store.stats().passages >= passages) return store;

  log(`building a ${passages}-passage ${precision} library in ${dir}`);
  const started = performance.now();
  const H = engine.config.hidden;
  const pool = randomStates(defaultWindows.windowTokens * H); // [W, H]: every passage's states are a prefix of it
  const perDoc = options.paragraphsPerDocument ?? 8;
  let written = 0;
  for (let round = 0; written < passages; round++) {
    const order = shuffled(dataset.paragraphs.length, round + 1);
    for (let d = 0; d * perDoc < order.length && written < passages; d++) {
      const text = order
        .slice(d * perDoc, (d + 1) * perDoc)
        .map((i) => dataset.paragraphs[i].context)
        .join('\n\n');
      const windows = windowsOf(text, tokenizer);
      const states: LowerStates[] = windows.map((w) => ({ data: pool.subarray(0, w.ids.length * H), tokens: w.ids.length, hidden: H }));
      await store.writeDocument(documentWrite(`bench/round-${round}/doc-${d}.txt`, 'bench', text, windows, states));
      written += windows.length;
    }
    log(`  ${written} passages (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  writeFileSync(markerPath, marker);
  return store;
}

/** Standard-normal-ish values (sum of uniforms), seeded: unit-RMS like LayerNorm outputs. */
function randomStates(length: number): Float32Array {
  const out = new Float32Array(length);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < length; i++) out[i] = (next() + next() + next() - 1.5) * 2;
  return out;
}

/** 0..n−1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed * 2654435761;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
