import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Worker } from 'tesseract.js';
import { DeskError } from '../errors';

/** What OCR may cost per page, and how it reports. */
export interface OcrOptions {
  /** A page that takes longer is abandoned (with a warning) and the OCR worker restarted. */
  pageTimeoutMs?: number;
  /** Called before each page: `done` pages of `total` are finished ("OCR page 12/40"). */
  onProgress?(message: string): void;
}

/** Generous for a 300 dpi page on one slow core (measured about 3–6 s a page, see README). */
export const DEFAULT_PAGE_TIMEOUT_MS = 60_000;
/** A worker unused this long is ended: it holds the recogniser's model (about 100 MB). */
const IDLE_MS = 30_000;
/**
 * What one page may add to the process's own memory while it is read. Tesseract's WebAssembly
 * memory grows with what a page holds and never shrinks; one hostile page (pdf.js's
 * bug1703683_page2_reduced.pdf) took the process from 0.65 to 1.68 GB. Past this growth the worker
 * is ended (which frees all of it) and the page fails with a warning, so the indexer's peak stays
 * near its baseline + the worker + this, whatever the page.
 */
export const PAGE_MEMORY_BUDGET_MB = 400;
/** A worker whose memory grew more than this over its fresh size is ended after the page (freed, not kept for the next). */
const RECYCLE_GROWTH_MB = 200;
/** How often the page's memory is checked. */
const MEMORY_CHECK_MS = 50;

/** The process's anonymous resident memory (heap, buffers, WebAssembly memory), MB: not the page cache of mapped files. */
export function anonMemoryMb(): number {
  try {
    const kb = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: the whole resident set is the nearest measure
  }
  return process.memoryUsage.rss() / 2 ** 20;
}

/**
 * Tesseract (tesseract.js, WebAssembly in a worker thread of this process), fully offline: the
 * engine's core comes from the tesseract.js-core package and the English model from
 * @tesseract.js-data/eng (the "best_int" LSTM model), read from disk, never from a CDN.
 * One worker, reused for every page and document, started on first use.
 */
class OcrWorker {
  private worker: Promise<Worker> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The process's anonymous memory right after the worker started (its fresh size included). */
  private freshMb = 0;

  async recognize(image: Buffer, timeoutMs: number, budgetMb: number): Promise<string> {
    clearTimeout(this.idleTimer);
    const worker = await this.start();
    const startMb = anonMemoryMb();
    let timer: NodeJS.Timeout | undefined;
    let watch: NodeJS.Timeout | undefined;
    const limits = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeskError('EXTRACT_FAILED', `OCR took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      watch = setInterval(() => {
        if (anonMemoryMb() - startMb > budgetMb) reject(new DeskError('EXTRACT_FAILED', `OCR needed more than ${budgetMb} MB for this page`));
      }, MEMORY_CHECK_MS);
    });
    try {
      const result = await Promise.race([worker.recognize(image), limits]);
      // Its WebAssembly memory keeps the size the page needed: end a worker that grew, start fresh next time.
      if (anonMemoryMb() - this.freshMb > RECYCLE_GROWTH_MB) await this.close();
      return result.data.text;
    } catch (err) {
      await this.close(); // a timed-out, oversized or crashed worker may still be busy: start a fresh one next time
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
      this.idleTimer = setTimeout(() => void this.close(), IDLE_MS);
      this.idleTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker.catch(() => undefined))?.terminate();
  }

  private start(): Promise<Worker> {
    this.worker ??= (async () => {
      const { createWorker, OEM } = await import('tesseract.js');
      const require = createRequire(import.meta.url);
      const langPath = join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
      return createWorker('eng', OEM.LSTM_ONLY, {
        langPath, // a folder: read with fs, so no network
        gzip: true,
        cacheMethod: 'none', // the model is on disk already; no copy in a cache folder
        errorHandler: () => {}, // failures reach us as rejected promises
      });
    })();
    void this.worker.then(() => (this.freshMb = anonMemoryMb()), () => {});
    this.worker.catch(() => (this.worker = undefined));
    return this.worker;
  }
}

const shared = new OcrWorker();

/** Text of one image (PNG, JPEG, WebP, BMP, PBM bytes), or a DeskError(EXTRACT_FAILED) on a timeout or a crash. */
export async function recognizeImage(image: Buffer, timeoutMs = DEFAULT_PAGE_TIMEOUT_MS, budgetMb = PAGE_MEMORY_BUDGET_MB): Promise<string> {
  try {
    return await shared.recognize(image, timeoutMs, budgetMb);
  } catch (err) {
    if (err instanceof DeskError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new DeskError('EXTRACT_FAILED', `OCR failed: ${message}`);
  }
}

/** Ends the OCR worker now (tests, the CLI on exit); the next recognition starts a new one. */
export function closeOcr(): Promise<void> {
  return shared.close();
}
