/**
 * Large-document section of `npm run bench -- --large`: peak memory of the indexer process (the
 * production path: IndexerHost → indexer process → extract → passages → lower pass → LMDB) on
 * one huge document at a time, a single-line 50 MB text file and a generated many-page PDF.
 * Target: peak RSS under 1.5 GB whatever the document's size (before streaming, the 50 MB line
 * took 11.95 GB). Peak RSS is the indexer process's VmHWM, read at idle.
 *
 * Model: a random 4-layer, hidden-128 BERT (the shape of the issue's measurement): the lower pass
 * over 10 M tokens of a full-size model would take hours on 2 cores, and memory per window grows
 * with hidden only in the chunk of windows in flight (encode-document.ts chunkWindows).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { makeRandomCheckpoint } from '../../models/random-checkpoint';
import { loadSquad } from '../core/eval/squad-data';
import { IndexerHost } from '../core/index/host/indexer-host';
import { defaultIndexSettings } from '../core/index/settings';
import { squadDevPath } from '../core/testing/paths';

/** One document of `npm run bench` `large`. */
export interface LargeBenchRow {
  kind: 'txt-single-line' | 'pdf';
  bytes: number;
  pages?: number;
  passages: number;
  storedTokens: number;
  seconds: number;
  tokensPerSecond: number;
  /** The indexer process's peak resident set (VmHWM), MB: what the target is set on. */
  peakRssMb: number;
  /** Of which, sampled every 100 ms: anonymous memory (heap, buffers) and file-backed pages (LMDB's map, code). */
  peakAnonRssMb: number;
  peakFileRssMb: number;
  /** Peak RSS of the same indexer process after a warm-up of one small file: the baseline it grew from. */
  baselineRssMb: number;
}

/** What `npm run bench` records under `large`. */
export interface LargeBenchResult {
  model: { layers: number; hidden: number; k: number; precision: string };
  rows: LargeBenchRow[];
  targetPeakRssMb: number;
}

const model = { arch: 'bert', layers: 4, hidden: 128, heads: 2, ffn: 512 } as const;
const k = 2;
const targetPeakRssMb = 1536;

/** Runs the section; `quick`: a 5 MB line and a 100-page PDF instead of 50 MB and 1,000 pages. */
export async function runLargeBench(opts: { quick: boolean; workDir: string; log: (line: string) => void }): Promise<LargeBenchResult> {
  const { quick, workDir, log } = opts;
  const checkpointDir = join(workDir, 'checkpoints', 'bert-4x128');
  if (!existsSync(join(checkpointDir, 'model.safetensors'))) {
    log(`making random 4-layer hidden-128 checkpoint in ${checkpointDir}`);
    await makeRandomCheckpoint({ ...model, seed: 1, out: checkpointDir });
  }
  const dir = join(workDir, 'large-bench');
  rmSync(dir, { recursive: true, force: true });
  const paragraphs = loadSquad(squadDevPath).paragraphs.map((p) => p.context.replace(/\s+/g, ' '));
  const rows: LargeBenchRow[] = [];
  const textFolder = join(dir, 'txt');
  mkdirSync(textFolder, { recursive: true });
  writeFileSync(join(textFolder, 'line.txt'), singleLine(paragraphs, quick ? 5_000_000 : 50_000_000));
  rows.push(await indexAlone(checkpointDir, join(dir, 'db-txt'), textFolder, 'txt-single-line', workDir, log));
  const pdfFolder = join(dir, 'pdf');
  mkdirSync(pdfFolder, { recursive: true });
  const pages = quick ? 100 : 1000;
  writeFileSync(join(pdfFolder, 'book.pdf'), await manyPagePdf(paragraphs, pages));
  rows.push({ ...(await indexAlone(checkpointDir, join(dir, 'db-pdf'), pdfFolder, 'pdf', workDir, log)), pages });
  rmSync(dir, { recursive: true, force: true });
  log(`kind              MB   passages   tokens/s   peak RSS MB (baseline)`);
  for (const r of rows) {
    log(
      `${r.kind.padEnd(16)}${(r.bytes / 1e6).toFixed(1).padStart(5)}${String(r.passages).padStart(11)}` +
        `${r.tokensPerSecond.toFixed(0).padStart(11)}${String(r.peakRssMb).padStart(14)} (${r.baselineRssMb})`,
    );
  }
  log(`target: peak RSS < ${targetPeakRssMb} MB`);
  return { model: { layers: model.layers, hidden: model.hidden, k, precision: 'fp16' }, rows, targetPeakRssMb };
}

/** Indexes the one file in `folder` in a fresh indexer process and reads its peak RSS at idle. */
async function indexAlone(
  checkpointDir: string,
  dbDir: string,
  folder: string,
  kind: LargeBenchRow['kind'],
  workDir: string,
  log: (line: string) => void,
): Promise<LargeBenchRow> {
  const host = await IndexerHost.fork({
    dbDir,
    model: checkpointDir,
    k,
    provider: 'cpu',
    cacheDir: join(workDir, 'engine-cache'),
    watch: false,
    settings: { ...defaultIndexSettings, precision: 'fp16' },
  });
  try {
    // Warm-up: the engine's sessions and the store exist before the large file arrives.
    const warmup = join(folder, '..', `warmup-${kind}`);
    mkdirSync(warmup, { recursive: true });
    writeFileSync(join(warmup, 'small.txt'), 'A small warm-up document about the river and its castle.');
    await host.addFolder(warmup);
    await host.whenIdle();
    const baselineRssMb = peakRssMb(host.pid!);
    const started = performance.now();
    const sampler = new RssSampler(host.pid!);
    await host.addFolder(folder);
    await host.whenIdle();
    const seconds = (performance.now() - started) / 1000;
    sampler.stop();
    const peak = peakRssMb(host.pid!);
    const docs = host.documents(folder);
    const bad = docs.filter((d) => d.status !== 'done');
    if (docs.length !== 1 || bad.length > 0) throw new Error(`large bench: ${kind} not indexed: ${bad[0]?.reason ?? `${docs.length} documents`}`);
    const stats = await host.stats();
    const bytes = statSync(docs[0].path).size;
    const passages = docs[0].passageIds.length;
    log(
      `  ${kind}: ${(bytes / 1e6).toFixed(1)} MB, ${passages} passages in ${seconds.toFixed(0)} s, peak RSS ${peak} MB ` +
        `(sampled: anonymous ${sampler.peakAnonMb} MB, file-backed ${sampler.peakFileMb} MB)`,
    );
    return {
      kind,
      bytes,
      passages,
      storedTokens: stats.storedTokens,
      seconds: round(seconds),
      tokensPerSecond: round(stats.storedTokens / seconds),
      peakRssMb: peak,
      peakAnonRssMb: sampler.peakAnonMb,
      peakFileRssMb: sampler.peakFileMb,
      baselineRssMb,
    };
  } finally {
    await host.close();
  }
}

/**
 * Samples a process's anonymous and file-backed resident memory every 100 ms: VmHWM counts the
 * pages of LMDB's memory map the process touched (file-backed, the kernel reclaims them), and
 * the anonymous part is what the indexer itself holds.
 */
class RssSampler {
  peakAnonMb = 0;
  peakFileMb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const mb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024);
    this.peakAnonMb = Math.max(this.peakAnonMb, mb('RssAnon'));
    this.peakFileMb = Math.max(this.peakFileMb, mb('RssFile') + mb('RssShmem'));
  }
}

/** The process's peak resident set so far (Linux VmHWM), MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
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
async function manyPagePdf(paragraphs: string[], pages: number): Promise<Uint8Array> {
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
  }
  return doc.save();
}

const round = (x: number) => Number(x.toFixed(1));
