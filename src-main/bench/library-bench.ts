/**
 * The 100k-passage library (`npm run bench -- --size-speed`): documents of SQuAD dev paragraphs
 * and random text (words drawn from those paragraphs, so BM25 sees realistic term frequencies),
 * generated at run time, written through the store's own write path (LibraryStore.writeDocuments:
 * passages, state records in the app's default codec, postings) with RANDOM lower states of the
 * built-in model's shape [tokens, 384]: state values change neither the read nor the upper pass's
 * speed, and a real lower pass over 100k passages would take hours on 2 cores. Then, on the
 * reopened library: open time, BM25 p50, answer p50 at N = 10 through the Reader with the built-in
 * model (default weights), the cache-read share of it, and disk bytes per token.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWindows, documentWrite, windowsOf } from '../core/answer/document-write';
import { Reader } from '../core/answer/reader';
import { loadSquad } from '../core/eval/squad-data';
import { defaultK, readConfig } from '../core/model/config';
import { Engine } from '../core/model/engine';
import { lowerWeightsFor } from '../core/model/lower-weights';
import { loadTokenizer } from '../core/model/tokenizer';
import type { LowerStates } from '../core/model/types';
import { defaultSettings } from '../core/settings';
import { LibraryStore } from '../core/store/store';
import type { CacheIdentity, DocumentWrite } from '../core/store/types';
import { squadDevPath } from '../core/testing/paths';
import { builtinModelDir } from './size-speed-bench';

/** What the library section reports. */
export interface LibraryBenchResult {
  passages: number;
  documents: number;
  storedTokens: number;
  codec: string;
  weights: string;
  /** LibraryStore.open + Reader construction on the built library (warm page cache). */
  openMs: number;
  bm25P50Ms: number;
  answerP50MsN10: number;
  /** Median over questions of cache-read ms / whole-ask ms. */
  cacheReadShare: number;
  cacheReadP50Ms: number;
  /** store.stats() (every question reads it): must not grow with the library. */
  statsP50Ms: number;
  /** listDocuments() once: what the indexer process reads at its own open (progress per folder). */
  listDocumentsMs: number;
  /** library.mdb size / stored tokens (states, passages with their token ids and offsets, postings). */
  diskBytesPerToken: number;
  stateBytesPerToken: number;
  buildSeconds: number;
  peakRssMb: number;
  questions: number;
  statesAreRandom: true;
}

const paragraphsPerDocument = 6;
const randomParagraphsPerDocument = 2;
const documentsPerWrite = 32;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Builds (or reuses) the library and measures it. `measureOnly`: measure whatever the folder holds
 * (a build that was stopped part-way), without building.
 */
export async function runLibraryBench(opts: { passages: number; workDir: string; log: (line: string) => void; measureOnly?: boolean }): Promise<LibraryBenchResult> {
  const { passages, workDir, log } = opts;
  const weights = defaultSettings.weights;
  const lowerWeights = lowerWeightsFor(weights, defaultSettings.precision);
  const engine = await Engine.open(builtinModelDir, {
    k: defaultK(readConfig(builtinModelDir)), cacheDir: join(workDir, 'engine-cache'), weights, lowerWeights, openFirst: 'ask',
  });
  const tokenizer = await loadTokenizer(builtinModelDir);
  const dataset = loadSquad(squadDevPath);
  const identity: CacheIdentity = {
    modelFingerprint: engine.fingerprint,
    k: engine.k,
    passageOffset: engine.passageOffset,
    precision: defaultSettings.precision,
    lowerWeights,
    ...defaultWindows,
  };
  const dir = join(workDir, `library-${passages}-${identity.precision}`);
  const marker = JSON.stringify({ passages, identity });
  const markerPath = join(dir, 'library-bench.json');
  let buildSeconds = 0;
  let peakRss = process.memoryUsage().rss;
  if (!opts.measureOnly && (!existsSync(markerPath) || readFileSync(markerPath, 'utf8') !== marker)) {
    rmSync(dir, { recursive: true, force: true });
    const started = performance.now();
    const store = LibraryStore.open(dir, identity);
    try {
      const H = engine.config.hidden;
      const pool = randomStates(defaultWindows.windowTokens * H); // [W, H]: every passage's states are a prefix of it
      const words = dataset.paragraphs.flatMap((p) => p.context.split(/\s+/)).filter(Boolean);
      let rng = 7;
      const next = () => ((rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      let written = 0;
      let d = 0;
      while (written < passages) {
        const batch: DocumentWrite[] = [];
        for (let b = 0; b < documentsPerWrite && written < passages; b++, d++) {
          const parts: string[] = [];
          for (let i = 0; i < paragraphsPerDocument; i++) parts.push(dataset.paragraphs[Math.floor(next() * dataset.paragraphs.length)].context);
          for (let i = 0; i < randomParagraphsPerDocument; i++) {
            parts.push(Array.from({ length: 60 + Math.floor(next() * 120) }, () => words[Math.floor(next() * words.length)]).join(' '));
          }
          const text = parts.join('\n\n');
          const windows = windowsOf(text, tokenizer).slice(0, passages - written);
          const states: LowerStates[] = windows.map((w) => ({ data: pool.subarray(0, w.ids.length * H), tokens: w.ids.length, hidden: H }));
          batch.push(documentWrite(`bench/doc-${d}.txt`, 'bench', text, windows, states));
          written += windows.length;
        }
        await store.writeDocuments(batch);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (d % 1000 < documentsPerWrite) log(`  ${written} passages (${((performance.now() - started) / 1000).toFixed(0)} s, rss ${(peakRss / 2 ** 20).toFixed(0)} MB)`);
      }
    } finally {
      await store.close();
    }
    buildSeconds = (performance.now() - started) / 1000;
    writeFileSync(markerPath, marker);
  }

  const openStarted = performance.now();
  const store = LibraryStore.open(dir, identity);
  const reader = new Reader({ store, engine, tokenizer });
  const openMs = performance.now() - openStarted;
  try {
    const stats = store.stats();
    const questions = dataset.paragraphs.flatMap((p) => p.questions.map((q) => q.question));
    const picked = Array.from({ length: 200 }, (_, i) => questions[(i * 37) % questions.length]);
    const bm25: number[] = [];
    for (const q of picked) {
      const t = performance.now();
      store.search(q, 10);
      bm25.push(performance.now() - t);
    }
    const statTimes = picked.slice(0, 50).map(() => {
      const t = performance.now();
      store.stats();
      return performance.now() - t;
    });
    const listStarted = performance.now();
    store.listDocuments();
    const listDocumentsMs = performance.now() - listStarted;
    const asks: Array<{ total: number; cache: number }> = [];
    for (let i = 0; i < 42; i++) {
      const { timings } = await reader.ask(picked[i], { mode: 'deformer', topPassages: 10 });
      if (i >= 2) asks.push({ total: timings.totalMs, cache: timings.cacheReadMs });
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const result: LibraryBenchResult = {
      passages: stats.passages,
      documents: stats.documents,
      storedTokens: stats.storedTokens,
      codec: identity.precision,
      weights,
      openMs: round(openMs, 2),
      bm25P50Ms: round(median(bm25), 2),
      answerP50MsN10: round(median(asks.map((a) => a.total))),
      cacheReadShare: round(median(asks.map((a) => a.cache / a.total)), 4),
      cacheReadP50Ms: round(median(asks.map((a) => a.cache)), 2),
      statsP50Ms: round(median(statTimes), 3),
      listDocumentsMs: round(listDocumentsMs),
      diskBytesPerToken: round(statSync(join(dir, 'library.mdb')).size / stats.storedTokens),
      stateBytesPerToken: round(stats.stateBytes / stats.storedTokens),
      buildSeconds: round(buildSeconds),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      questions: asks.length,
      statesAreRandom: true,
    };
    log(
      `library: ${result.passages} passages, open ${result.openMs} ms, BM25 p50 ${result.bm25P50Ms} ms, answer p50 (N=10) ${result.answerP50MsN10} ms, ` +
        `cache read ${(100 * result.cacheReadShare).toFixed(1)}%, stats() ${result.statsP50Ms} ms, listDocuments ${result.listDocumentsMs} ms, disk ${result.diskBytesPerToken} B/token (states ${result.stateBytesPerToken})`,
    );
    return result;
  } finally {
    await store.close();
    await engine.close();
  }
}

/** Standard-normal-ish values (sum of uniforms), seeded: unit-RMS like LayerNorm outputs. */
function randomStates(length: number): Float32Array {
  const out = new Float32Array(length);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < length; i++) out[i] = (next() + next() + next() - 1.5) * 2;
  return out;
}
