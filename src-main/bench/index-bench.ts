/**
 * Indexing section of `npm run bench`: tokens per second of the lower pass end to end (the
 * production path: IndexerHost → indexer process → extract → passages → lower pass → LMDB
 * commit) against the engine's raw `lowerPassages` throughput on the same windows, and the
 * cache bytes per token of each precision, measured from real stores. The corpus is dealt into
 * folders and raw and end-to-end runs alternate folder by folder, so a shared machine's changing
 * load hits both sides alike.
 *
 * Model: DistilBERT-base (random, full size) split at k = 4. BERT-base k = 9 costs 2.25x more per
 * token and would take the full section past ~4 minutes on 2 cores; the cheaper model is also the
 * stricter test of the ratio, since the pipeline's own costs weigh more beside a faster pass.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { loadSquad } from '../core/eval/squad-data';
import { IndexerHost } from '../core/index/host/indexer-host';
import { Library, type LibraryControl, type LibraryOptions } from '../core/index/library';
import { scanFolder } from '../core/index/scan-folder';
import { defaultIndexSettings } from '../core/index/settings';
import { Engine } from '../core/model/engine';
import { planBatches } from '../core/model/engine-inputs';
import { loadTokenizer } from '../core/model/tokenizer';
import type { Segment, Tokenizer } from '../core/model/types';
import type { Precision as StorePrecision, StoreStats } from '../core/store/types';

/** The precisions this bench indexes a real folder with (the group codecs are measured in size-speed-bench.ts). */
type Precision = Extract<StorePrecision, 'fp32' | 'fp16' | 'int8'>;
import { squadDevPath } from '../core/testing/paths';
import { extractText } from '../core/text/extract';
import { cutPassages } from '../core/text/passages';

/** What `npm run bench` records under `index`. */
export interface IndexBenchResult {
  /** Stored (windowed, overlapping) tokens / wall seconds from addFolder to idle. */
  tokensPerSecond: number;
  /** The same windows through engine.lowerPassages alone: calls of the indexer's batch size, sorted by length across documents. */
  rawLowerTokensPerSecond: number;
  /** tokensPerSecond / rawLowerTokensPerSecond; target ≥ 0.9. */
  ratio: number;
  documents: number;
  passages: number;
  /** Tokens of the documents before windowing. */
  documentTokens: number;
  /** Tokens pushed through the lower pass (windows overlap: more than documentTokens). */
  storedTokens: number;
  /** State bytes / stored tokens (headers excluded), per precision. */
  bytesPerToken: Record<Precision, number>;
  /** State bytes / document tokens: what the overlap really costs per token of text. */
  bytesPerDocumentToken: Record<Precision, number>;
  model: string;
  k: number;
}

/** The indexing model: see the file comment for why not BERT-base k = 9. */
const indexModel = { preset: 'distilbert-base', k: 4 } as const;
const precisions: Precision[] = ['fp32', 'fp16', 'int8'];

/** What one measurement needs; the bench fills it from the preset, tests from tiny fixtures. */
export interface IndexMeasureOptions {
  checkpointDir: string;
  k: number;
  /** Engine graph cache (shared with the engine bench). */
  cacheDir: string;
  /** Scratch folder: corpus and stores go under it and are rebuilt each run. */
  dir: string;
  /** Paragraph texts to build documents from, in order. */
  paragraphs: Array<{ title: string; context: string }>;
  /** Stop adding documents once this many document tokens are written. */
  documentTokens: number;
  /** Every n-th document is indexed again at fp16 and int8 (state bytes per token do not depend on the text). */
  subsetEvery: number;
  /** Folders the corpus is dealt into; raw and end-to-end runs alternate folder by folder (default 4). */
  parts?: number;
  /** Indexer settings beyond the defaults (tests use small windows). */
  settings?: Partial<LibraryOptions['settings']>;
  threads?: number;
  log: (line: string) => void;
}

/** Runs the indexing benchmark on a full-size random checkpoint and prints a table. */
export async function runIndexBench(opts: { quick: boolean; workDir: string; log: (line: string) => void }): Promise<IndexBenchResult> {
  const { quick, workDir, log } = opts;
  const checkpointDir = join(workDir, 'checkpoints', indexModel.preset);
  if (!existsSync(join(checkpointDir, 'model.safetensors')) || !existsSync(join(checkpointDir, 'config.json'))) {
    log(`making random ${indexModel.preset} checkpoint in ${checkpointDir}`);
    // Same seed and path as the engine bench: one checkpoint serves both sections.
    await makeRandomCheckpoint({ ...randomCheckpointPresets[indexModel.preset], seed: 1, out: checkpointDir });
  }
  const paragraphs = loadSquad(squadDevPath).paragraphs;
  const result = await measureIndexing({
    checkpointDir,
    k: indexModel.k,
    cacheDir: join(workDir, 'engine-cache'),
    dir: join(workDir, 'index-bench'),
    paragraphs,
    documentTokens: quick ? 20_000 : 100_000,
    subsetEvery: 5,
    log,
  });
  return { ...result, model: indexModel.preset };
}

/** Builds the corpus, indexes it end to end, times the raw lower pass on its windows, sizes the caches. */
export async function measureIndexing(o: IndexMeasureOptions): Promise<Omit<IndexBenchResult, 'model'>> {
  const settings = { ...defaultIndexSettings, ...o.settings };
  const tokenizer = await loadTokenizer(o.checkpointDir);
  rmSync(o.dir, { recursive: true, force: true });
  const subset = join(o.dir, 'corpus-subset');
  const corpus = writeCorpus(join(o.dir, 'corpus'), subset, o.paragraphs, tokenizer, o.documentTokens, o.subsetEvery, o.parts ?? 4);
  o.log(`corpus: ${corpus.documents} documents (txt, md, html) in ${corpus.parts.length} folders under ${join(o.dir, 'corpus')}`);

  // The same windows the indexer will cut, from the same extractor and tokenizer; the engine at
  // its best on them: calls of the indexer's batch size over windows sorted by length across
  // documents, so padding is minimal (lowerPassages sorts within a call the same way).
  const partBatches: Segment[][][] = [];
  let rawTokens = 0;
  let rawPassages = 0;
  for (const part of corpus.parts) {
    const segments = await corpusSegments(part, tokenizer, settings);
    partBatches.push(planBatches(segments.map((s) => s.ids.length), settings.batchSize).map((b) => b.map((i) => segments[i])));
    rawTokens += segments.reduce((sum, s) => sum + s.ids.length, 0);
    rawPassages += segments.length;
  }

  const warmupFolder = join(o.dir, 'corpus-warmup');
  writeCorpus(warmupFolder, null, [...o.paragraphs].reverse(), tokenizer, o.documentTokens / 10, 1, 1);
  const warmupSegments = await corpusSegments(join(warmupFolder, 'part-0'), tokenizer, settings);
  const warmup = {
    folder: join(warmupFolder, 'part-0'),
    batches: planBatches(warmupSegments.map((s) => s.ids.length), settings.batchSize).map((b) => b.map((i) => warmupSegments[i])),
  };

  const libraryOptions = (precision: Precision, name: string): LibraryOptions => ({
    dbDir: join(o.dir, name),
    model: o.checkpointDir,
    k: o.k,
    provider: 'cpu',
    threads: o.threads,
    cacheDir: o.cacheDir,
    watch: false,
    settings: { ...settings, precision },
  });
  const engine = await Engine.open(o.checkpointDir, { k: o.k, cacheDir: o.cacheDir, provider: 'cpu', threads: o.threads });
  // The production path: the app's service runs the indexer in its own process.
  const host = await IndexerHost.fork(libraryOptions('fp32', 'db-fp32')).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  let rawSeconds = 0;
  let seconds = 0;
  let full: IndexedStore;
  try {
    // Warm-up, untimed, on other documents: the indexer process's first folder otherwise pays for
    // its JIT, ONNX Runtime's arena and a fresh LMDB file, and the raw engine for its first shapes.
    for (const batch of warmup.batches) await engine.lowerPassages(batch);
    await indexFolder(host, warmup.folder);
    await host.removeFolder(warmup.folder);
    // Raw and end-to-end alternate folder by folder (and which goes first), so a change in the
    // load of a shared machine hits both sides alike.
    for (const [j, part] of corpus.parts.entries()) {
      const raw = () => timed(async () => {
        for (const batch of partBatches[j]) await engine.lowerPassages(batch);
      });
      const indexed = () => timed(() => indexFolder(host, part));
      const [r, e] = j % 2 === 0 ? [await raw(), await indexed()] : [await indexed(), await raw()].reverse();
      rawSeconds += r;
      seconds += e;
      const partTokens = partBatches[j].flat().reduce((sum, s) => sum + s.ids.length, 0);
      o.log(`  folder ${j + 1}/${corpus.parts.length}: end to end ${(partTokens / e).toFixed(0)} tok/s, raw ${(partTokens / r).toFixed(0)} tok/s, ratio ${(r / e).toFixed(3)}`);
    }
    full = await storeFigures(host, join(o.dir, 'db-fp32'));
  } finally {
    await Promise.all([engine.close(), host.close()]);
  }
  const { stats } = full;
  if (stats.storedTokens !== rawTokens || stats.passages !== rawPassages) {
    throw new Error(`index bench: the store holds ${stats.passages} passages / ${stats.storedTokens} tokens, the raw pass had ${rawPassages} / ${rawTokens}`);
  }

  const perToken: Record<Precision, number> = { fp32: bytesOf(stats), fp16: 0, int8: 0 };
  const fileBytesPerToken: Record<Precision, number> = { fp32: full.fileBytes / stats.storedTokens, fp16: 0, int8: 0 };
  for (const precision of ['fp16', 'int8'] as const) {
    const library = await Library.open(libraryOptions(precision, `db-${precision}`));
    try {
      await indexFolder(library, subset);
      const run = await storeFigures(library, join(o.dir, `db-${precision}`));
      perToken[precision] = bytesOf(run.stats);
      fileBytesPerToken[precision] = run.fileBytes / run.stats.storedTokens;
    } finally {
      await library.close();
    }
  }
  // The subset's overlap differs a little from the corpus's: per document token scales by the corpus's own.
  const overlap = stats.storedTokens / stats.documentTokens;
  const perDocumentToken = Object.fromEntries(precisions.map((p) => [p, round(perToken[p] * overlap, 1)])) as Record<Precision, number>;

  const tokensPerSecond = stats.storedTokens / seconds;
  const rawLowerTokensPerSecond = rawTokens / rawSeconds;
  const result = {
    tokensPerSecond: round(tokensPerSecond, 1),
    rawLowerTokensPerSecond: round(rawLowerTokensPerSecond, 1),
    ratio: round(tokensPerSecond / rawLowerTokensPerSecond, 3),
    documents: stats.documents,
    passages: stats.passages,
    documentTokens: stats.documentTokens,
    storedTokens: stats.storedTokens,
    bytesPerToken: Object.fromEntries(precisions.map((p) => [p, round(perToken[p], 1)])) as Record<Precision, number>,
    bytesPerDocumentToken: perDocumentToken,
    k: o.k,
  };
  printTable(o, settings, result, seconds, rawSeconds, fileBytesPerToken);
  // Nothing reuses the stores (every run starts fresh) and the fp32 one alone is ~3 KB per token.
  for (const precision of precisions) rmSync(join(o.dir, `db-${precision}`), { recursive: true, force: true });
  return result;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** Adds a folder and waits until the library is idle; every document must be indexed. */
async function indexFolder(library: LibraryControl, folder: string): Promise<void> {
  await library.addFolder(folder);
  await library.whenIdle();
  const failed = library.documents(folder).filter((d) => d.status !== 'done');
  if (failed.length > 0) throw new Error(`index bench: ${failed.length} documents not indexed, e.g. ${failed[0].path}: ${failed[0].reason}`);
}

interface IndexedStore {
  stats: StoreStats;
  /** Size of library.mdb: states plus passages, terms and LMDB's own overhead. */
  fileBytes: number;
}

async function storeFigures(library: LibraryControl, dbDir: string): Promise<IndexedStore> {
  return { stats: await library.stats(), fileBytes: statSync(join(dbDir, 'library.mdb')).size };
}

const bytesOf = (stats: StoreStats) => stats.stateBytes / stats.storedTokens;

/**
 * Writes SQuAD paragraphs as documents of 1–13 paragraphs (a mix of one-window notes and
 * multi-window articles), 4 of 10 Markdown, 1 of 10 HTML, the rest plain text, dealt round-robin
 * into `parts` folders. Every `subsetEvery`-th document is copied to `subset` too (when given).
 */
function writeCorpus(
  root: string,
  subset: string | null,
  paragraphs: IndexMeasureOptions['paragraphs'],
  tokenizer: Tokenizer,
  targetTokens: number,
  subsetEvery: number,
  parts: number,
): { documents: number; parts: string[] } {
  const partDirs = Array.from({ length: parts }, (_, j) => join(root, `part-${j}`));
  for (const dir of [...partDirs, subset ?? root]) mkdirSync(dir, { recursive: true });
  const sizes = [1, 2, 3, 5, 8, 13];
  let tokens = 0;
  let next = 0;
  let d = 0;
  for (; tokens < targetTokens; d++) {
    const group = Array.from({ length: sizes[d % sizes.length] }, () => paragraphs[next++ % paragraphs.length]);
    const title = group[0].title.replace(/_/g, ' ');
    const kind = d % 10 === 3 ? 'html' : d % 2 === 1 ? 'md' : 'txt';
    const name = `doc-${String(d).padStart(4, '0')}.${kind}`;
    const content = render(kind, title, group.map((p) => p.context));
    writeFileSync(join(partDirs[d % parts], name), content);
    if (subset && d % subsetEvery === 0) writeFileSync(join(subset, name), content);
    tokens += tokenizer.tokenize(group.map((p) => p.context).join('\n\n')).ids.length;
  }
  return { documents: d, parts: partDirs };
}

function render(kind: 'txt' | 'md' | 'html', title: string, texts: string[]): string {
  if (kind === 'txt') return `${title}\n\n${texts.join('\n\n')}\n`;
  if (kind === 'md') return `# ${title}\n\n${texts.join('\n\n')}\n`;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = texts.map((t) => `<p>${esc(t)}</p>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>\n`;
}

/** Passage segments of every document in the folder, in scan order, cut as the indexer cuts them. */
async function corpusSegments(folder: string, tokenizer: Tokenizer, settings: typeof defaultIndexSettings): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const file of await scanFolder(folder)) {
    const extracted = await extractText(file.path, { maxBytes: settings.maxFileBytes });
    const windows = cutPassages({ text: extracted.text, pages: extracted.pages }, tokenizer, settings);
    for (const w of windows) segments.push({ ids: w.ids, offsets: w.offsets });
  }
  return segments;
}

function printTable(
  o: IndexMeasureOptions,
  settings: typeof defaultIndexSettings,
  r: Omit<IndexBenchResult, 'model'>,
  seconds: number,
  rawSeconds: number,
  fileBytesPerToken: Record<Precision, number>,
): void {
  const { log } = o;
  log(`model ${o.checkpointDir} k=${o.k}, W ${settings.windowTokens} / O ${settings.overlapTokens}, batch ${settings.batchSize}`);
  log(`${r.documents} documents, ${r.passages} passages, ${r.documentTokens} document tokens, ${r.storedTokens} stored tokens`);
  log(`${'end to end (IndexerHost, addFolder → idle)'.padEnd(44)}${r.tokensPerSecond.toFixed(1).padStart(8)} tok/s  ${seconds.toFixed(1)} s`);
  log(`${'raw engine.lowerPassages, same windows'.padEnd(44)}${r.rawLowerTokensPerSecond.toFixed(1).padStart(8)} tok/s  ${rawSeconds.toFixed(1)} s`);
  log(`ratio ${r.ratio.toFixed(3)} (target ≥ 0.9)`);
  log('precision  bytes/stored token  bytes/document token  library.mdb bytes/stored token');
  for (const p of precisions) {
    log(
      `${p.padEnd(9)}  ${r.bytesPerToken[p].toFixed(1).padStart(18)}  ${r.bytesPerDocumentToken[p].toFixed(1).padStart(20)}  ` +
        `${fileBytesPerToken[p].toFixed(1).padStart(30)}`,
    );
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
