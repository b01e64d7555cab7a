/**
 * Large-document section of `npm run bench -- --large`: peak memory and throughput of the indexer
 * process (the production path: IndexerHost → indexer process → extract → passages → lower pass →
 * LMDB) on one huge document at a time, against a folder of ordinary documents indexed the same way.
 * Documents: a single-line 50 MB text file, a 100 MB multi-page PDF (text and one incompressible
 * image per page) and a 2,000-page generated PDF. Target: peak RSS under 1.5 GB whatever the
 * document's size, and tokens/s within 10% of ordinary files.
 *
 * Model: a random full-size DistilBERT-base at k = 4 (hidden 768; the index bench's checkpoint), fp16
 * states. The whole 50 MB line is ~13 M stored tokens: hours of lower pass on 2 cores, so
 * `--large-passages N` stops each document after N passages (the fraction is reported).
 *
 * Memory is sampled every 100 ms from /proc/<pid>/status for the indexer process and this one (the
 * parent): RssAnon (heap, buffers: what the process holds), RssFile (pages of mapped files: LMDB's
 * cache file, code; clean page cache the kernel reclaims under pressure) and RssShmem, beside VmHWM.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { loadSquad } from '../core/eval/squad-data';
import { IndexerHost } from '../core/index/host/indexer-host';
import { defaultIndexSettings } from '../core/index/settings';
import { squadDevPath } from '../core/testing/paths';
import { procStatus } from './proc-status';

export const largeDocuments = ['txt-50mb', 'pdf-100mb', 'pdf-2000p'] as const;
export type LargeDocument = (typeof largeDocuments)[number];

/** Peak memory of one process over a run, MB. */
export interface ProcessMemory {
  /** VmHWM: the peak resident set the kernel recorded. */
  peakRssMb: number;
  /** Peaks of the sampled parts (they need not peak at the same moment). */
  peakAnonMb: number;
  peakFileMb: number;
  peakShmemMb: number;
  /** Peak of RssAnon + RssShmem in one sample: memory the kernel cannot drop without killing the process. */
  peakUnreclaimableMb: number;
  /** Peak V8 heap in use, and buffers outside it (process.memoryUsage(), sampled every second): part of RssAnon. */
  peakHeapUsedMb: number;
  peakExternalMb: number;
  /** RssAnon once a minute from the start: flat when memory does not grow with the document. */
  anonEveryMinuteMb: number[];
}

/** One document (or the ordinary folder) of `npm run bench` `large`. */
export interface LargeBenchRow {
  kind: LargeDocument | 'ordinary-files';
  bytes: number;
  files: number;
  pages?: number;
  passages: number;
  storedTokens: number;
  /** Tokens of the text before windowing (documents finished only). */
  documentTokens: number;
  /**
   * Passages written / passages the whole document has (< 1: stopped by --large-passages; the
   * whole is estimated from the file's bytes, the ordinary files' bytes per token and the stride W − 1 − O).
   */
  fractionDone: number;
  seconds: number;
  tokensPerSecond: number;
  /** tokensPerSecond / the mean of the ordinary files' tokensPerSecond in the runs just before and after it (target ≥ 0.9). */
  throughputRatio?: number;
  /** The indexer process; its VmHWM is what the 1.5 GB target is set on. */
  indexer: ProcessMemory;
  /** This process (the parent that forked the indexer, as the app's main process does). */
  parent: ProcessMemory;
  /** The indexer's VmHWM after a warm-up of one small file: the baseline it grew from. */
  baselineRssMb: number;
  /** LMDB file size at the end, MB. */
  cacheFileMb: number;
}

/** What `npm run bench` records under `large`. */
export interface LargeBenchResult {
  model: { preset: string; layers: number; hidden: number; k: number; precision: string };
  passageCap: number | null;
  rows: LargeBenchRow[];
  targetPeakRssMb: number;
}

const preset = 'distilbert-base';
const k = 4;
const targetPeakRssMb = 1536;

export interface LargeBenchOptions {
  quick: boolean;
  workDir: string;
  log: (line: string) => void;
  /** Stop each large document after this many passages (default: the whole document). */
  passageCap?: number;
  /** Which large documents (default all). */
  documents?: LargeDocument[];
}

/** Runs the section; `quick`: 5 MB, 10 MB and 100 pages instead of 50 MB, 100 MB and 2,000 pages. */
export async function runLargeBench(opts: LargeBenchOptions): Promise<LargeBenchResult> {
  const { quick, workDir, log, passageCap } = opts;
  const checkpointDir = join(workDir, 'checkpoints', preset);
  if (!existsSync(join(checkpointDir, 'model.safetensors')) || !existsSync(join(checkpointDir, 'config.json'))) {
    log(`making random ${preset} checkpoint in ${checkpointDir}`);
    await makeRandomCheckpoint({ ...randomCheckpointPresets[preset], seed: 1, out: checkpointDir });
  }
  const dir = join(workDir, 'large-bench');
  rmSync(dir, { recursive: true, force: true });
  const paragraphs = loadSquad(squadDevPath).paragraphs.map((p) => p.context.replace(/\s+/g, ' '));
  const run = (kind: LargeBenchRow['kind'], folder: string, bytesPerToken?: number) =>
    indexAlone({ checkpointDir, dbDir: join(dir, `db-${kind}`), folder, kind, workDir, log, passageCap: bytesPerToken ? passageCap : undefined, bytesPerToken });

  // Ordinary documents first: SQuAD paragraphs, a few per .txt file (each well under one chunk of windows).
  const ordinary = join(dir, 'ordinary');
  const ordinaryFiles = quick ? 40 : 200;
  for (let f = 0; f < ordinaryFiles; f++) writeFileSync(join(mkdirp(ordinary), `doc-${f}.txt`), paragraphs.slice(f * 3, f * 3 + 3).join('\n\n'));
  // The ordinary folder runs before each document and after the last: the machine's load drifts over
  // an hours-long run, so each document is compared with the baselines on either side of it.
  let before = await run('ordinary-files', ordinary);
  const rows: LargeBenchRow[] = [before];

  for (const kind of opts.documents ?? largeDocuments) {
    const folder = mkdirp(join(dir, kind));
    let pages: number | undefined;
    if (kind === 'txt-50mb') writeFileSync(join(folder, 'line.txt'), singleLine(paragraphs, quick ? 5_000_000 : 50_000_000));
    else if (kind === 'pdf-2000p') writeFileSync(join(folder, 'book.pdf'), await manyPagePdf(paragraphs, (pages = quick ? 100 : 2000)));
    else writeFileSync(join(folder, 'scans.pdf'), await heavyPdf(paragraphs, (pages = quick ? 100 : 1000), quick ? 10e6 : 100e6));
    const row = { ...(await run(kind, folder, before.bytes / before.documentTokens)), ...(pages ? { pages } : {}) };
    rmSync(join(dir, `db-${kind}`), { recursive: true, force: true });
    rmSync(join(dir, 'db-ordinary-files'), { recursive: true, force: true });
    const after = await run('ordinary-files', ordinary);
    const baseline = (before.tokensPerSecond + after.tokensPerSecond) / 2;
    rows.push({ ...row, throughputRatio: round(row.tokensPerSecond / baseline, 3) }, after);
    before = after;
  }
  rmSync(dir, { recursive: true, force: true });
  log(`kind              MB   passages  done  tokens/s  ratio  indexer peak RSS MB (anon+shmem / file)  parent MB`);
  for (const r of rows) {
    log(
      `${r.kind.padEnd(16)}${(r.bytes / 1e6).toFixed(1).padStart(6)}${String(r.passages).padStart(10)}${r.fractionDone.toFixed(2).padStart(6)}` +
        `${r.tokensPerSecond.toFixed(0).padStart(10)}${(r.throughputRatio?.toFixed(3) ?? '-').padStart(7)}` +
        `${String(r.indexer.peakRssMb).padStart(10)} (${r.indexer.peakUnreclaimableMb} / ${r.indexer.peakFileMb})`.padEnd(44) +
        `${String(r.parent.peakRssMb).padStart(8)}`,
    );
  }
  log(`target: indexer peak RSS < ${targetPeakRssMb} MB; tokens/s ≥ 0.9 × ordinary files`);
  const cfg = randomCheckpointPresets[preset];
  return { model: { preset, layers: cfg.layers, hidden: cfg.hidden, k, precision: 'fp16' }, passageCap: passageCap ?? null, rows, targetPeakRssMb };
}

interface IndexAloneOptions {
  checkpointDir: string;
  dbDir: string;
  folder: string;
  kind: LargeBenchRow['kind'];
  workDir: string;
  log: (line: string) => void;
  passageCap?: number;
  /** Bytes per document token of ordinary text: estimates a stopped document's whole. */
  bytesPerToken?: number;
}

/** Indexes the files in `folder` in a fresh indexer process (stopping after `passageCap` passages). */
async function indexAlone(o: IndexAloneOptions): Promise<Omit<LargeBenchRow, 'throughputRatio'>> {
  const host = await IndexerHost.fork({
    dbDir: o.dbDir,
    model: o.checkpointDir,
    k,
    provider: 'cpu',
    cacheDir: join(o.workDir, 'engine-cache'),
    watch: false,
    // The 100 MB PDF is past the default 50 MB file cap: the person raises it in Settings to index such a file.
    settings: { ...defaultIndexSettings, precision: 'fp16', maxFileBytes: 128 * 2 ** 20 },
  });
  let closed = false;
  try {
    // Warm-up: the engine's sessions and the store exist before the documents arrive.
    const warmup = mkdirp(join(o.folder, '..', `warmup-${o.kind}`));
    writeFileSync(join(warmup, 'small.txt'), 'A small warm-up document about the river and its castle.');
    await host.addFolder(warmup);
    await host.whenIdle();
    const baselineRssMb = procStatus(host.pid!).VmHWM;
    const before = await host.stats();
    const indexer = new MemorySampler(host.pid!, () => host.memory());
    const parent = new MemorySampler(process.pid, async () => process.memoryUsage());
    const started = performance.now();
    let capped = false;
    // A line a minute: a run cut short (a session's end, a kill) still leaves its memory trajectory in the log.
    const progress = setInterval(() => {
      host.stats().then(
        (s) => {
          const m = procStatus(host.pid!);
          const minutes = ((performance.now() - started) / 60_000).toFixed(0);
          o.log(`    ${o.kind} ${minutes} min: ${s.passages - before.passages} passages; indexer VmHWM ${m.VmHWM} MB (anon ${m.RssAnon}, file ${m.RssFile})`);
        },
        () => {}, // the process is closing
      );
    }, 60_000);
    try {
      await host.addFolder(o.folder);
      capped = o.passageCap ? await untilPassages(host, before.passages + o.passageCap) : false;
      if (!capped) await host.whenIdle();
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;
    const stats = await host.stats();
    const peaks = { indexer: indexer.stop(), parent: parent.stop() };
    const passages = stats.passages - before.passages;
    const storedTokens = stats.storedTokens - before.storedTokens;
    const docs = host.documents(o.folder);
    if (!capped) {
      const bad = docs.filter((d) => d.status !== 'done');
      if (bad.length > 0) throw new Error(`large bench: ${o.kind} not indexed: ${bad[0].path}: ${bad[0].reason}`);
    }
    const bytes = docs.reduce((sum, d) => sum + statSync(d.path).size, 0);
    // The whole document's passages, for the fraction: windows advance by W − O tokens.
    const stride = defaultIndexSettings.windowTokens - 1 - defaultIndexSettings.overlapTokens;
    const fractionDone = capped && o.bytesPerToken ? Math.min(1, passages / Math.ceil(bytes / o.bytesPerToken / stride)) : 1;
    await host.close();
    closed = true;
    const cacheFileMb = Math.round(statSync(join(o.dbDir, 'library.mdb')).size / 2 ** 20);
    o.log(
      `  ${o.kind}: ${(bytes / 1e6).toFixed(1)} MB, ${passages} passages (${(fractionDone * 100).toFixed(0)}%) in ${seconds.toFixed(0)} s; ` +
        `indexer VmHWM ${peaks.indexer.peakRssMb} MB (anon ${peaks.indexer.peakAnonMb}, file ${peaks.indexer.peakFileMb}, shmem ${peaks.indexer.peakShmemMb}, ` +
        `JS heap ${peaks.indexer.peakHeapUsedMb}, external ${peaks.indexer.peakExternalMb}); ` +
        `parent VmHWM ${peaks.parent.peakRssMb} MB (anon ${peaks.parent.peakAnonMb}, file ${peaks.parent.peakFileMb}); cache file ${cacheFileMb} MB`,
    );
    return {
      kind: o.kind,
      bytes,
      files: docs.length,
      passages,
      storedTokens,
      documentTokens: stats.documentTokens - before.documentTokens,
      fractionDone: round(fractionDone, 3),
      seconds: round(seconds),
      tokensPerSecond: round(storedTokens / seconds),
      indexer: peaks.indexer,
      parent: peaks.parent,
      baselineRssMb,
      cacheFileMb,
    };
  } finally {
    if (!closed) await host.close();
  }
}

/** Polls the store's counts until `passages` are written (true) or the library is idle first (false). */
async function untilPassages(host: IndexerHost, passages: number): Promise<boolean> {
  let idle = false;
  void host.whenIdle().then(() => (idle = true));
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    if ((await host.stats()).passages >= passages) return true;
    if (idle) return false;
  }
}

const sampleMs = 100;

/** Samples a process's RssAnon / RssFile / RssShmem every 100 ms; stop() reads VmHWM and returns the peaks. */
class MemorySampler {
  private readonly peaks = { anon: 0, file: 0, shmem: 0, unreclaimable: 0, heap: 0, external: 0 };
  private readonly anonEveryMinute: number[] = [];
  private samples = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly heapTimer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    memoryUsage: () => Promise<NodeJS.MemoryUsage>,
  ) {
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.heapTimer = setInterval(() => {
      memoryUsage().then(
        (m) => {
          this.peaks.heap = Math.max(this.peaks.heap, Math.round(m.heapUsed / 2 ** 20));
          this.peaks.external = Math.max(this.peaks.external, Math.round(m.external / 2 ** 20));
        },
        () => {}, // the process is closing
      );
    }, 1000);
  }

  stop(): ProcessMemory {
    clearInterval(this.timer);
    clearInterval(this.heapTimer);
    const s = this.sample();
    return {
      peakRssMb: s.VmHWM,
      peakAnonMb: this.peaks.anon,
      peakFileMb: this.peaks.file,
      peakShmemMb: this.peaks.shmem,
      peakUnreclaimableMb: this.peaks.unreclaimable,
      peakHeapUsedMb: this.peaks.heap,
      peakExternalMb: this.peaks.external,
      anonEveryMinuteMb: this.anonEveryMinute,
    };
  }

  private sample(): ReturnType<typeof procStatus> {
    const s = procStatus(this.pid);
    this.peaks.anon = Math.max(this.peaks.anon, s.RssAnon);
    this.peaks.file = Math.max(this.peaks.file, s.RssFile);
    this.peaks.shmem = Math.max(this.peaks.shmem, s.RssShmem);
    this.peaks.unreclaimable = Math.max(this.peaks.unreclaimable, s.RssAnon + s.RssShmem);
    if (this.samples++ % (60_000 / sampleMs) === 0) this.anonEveryMinute.push(s.RssAnon);
    return s;
  }
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** SQuAD paragraphs joined by spaces, repeated to `bytes` bytes, without one newline. */
function singleLine(paragraphs: string[], bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const p = paragraphs[i % paragraphs.length];
    parts.push(p);
    length += Buffer.byteLength(p) + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

/** A PDF of `pages` pages, 48 lines of SQuAD text each (pdf-lib, Helvetica; WinAnsi characters only). */
async function manyPagePdf(paragraphs: string[], pages: number, image?: (page: number) => Promise<Uint8Array>): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const words = paragraphs.join(' ').replace(/[^\x20-\x7e]/g, ' ').split(' ');
  let w = 0;
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595, 842]);
    for (let line = 0; line < 48; line++) {
      const text: string[] = [];
      while (text.join(' ').length < 90) text.push(words[w++ % words.length]);
      page.drawText(text.join(' '), { x: 30, y: 800 - 16 * line, size: 9, font });
    }
    if (image) page.drawImage(await doc.embedPng(await image(p)), { x: 480, y: 20, width: 80, height: 80 });
  }
  return doc.save();
}

/** A `pages`-page PDF of about `bytes` bytes: each page its text and an image of random pixels (incompressible). */
async function heavyPdf(paragraphs: string[], pages: number, bytes: number): Promise<Uint8Array> {
  const side = Math.ceil(Math.sqrt(bytes / pages / 3)); // RGB noise: ~3 bytes a pixel after PNG
  const canvas = createCanvas(side, side);
  const ctx = canvas.getContext('2d');
  let seed = 1;
  // Math.imul: a float product past 2^53 drops the low bits and the noise turns compressible.
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  return manyPagePdf(paragraphs, pages, async () => {
    const pixels = ctx.createImageData(side, side);
    for (let i = 0; i < pixels.data.length; i += 4) pixels.data.set([random(), random(), random(), 255], i);
    ctx.putImageData(pixels, 0, 0);
    return canvas.encode('png');
  });
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
