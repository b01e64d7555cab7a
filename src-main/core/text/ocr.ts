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
 * Tesseract (tesseract.js, WebAssembly in a worker thread of this process), fully offline: the
 * engine's core comes from the tesseract.js-core package and the English model from
 * @tesseract.js-data/eng (the "best_int" LSTM model), read from disk, never from a CDN.
 * One worker, reused for every page and document, started on first use.
 */
class OcrWorker {
  private worker: Promise<Worker> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  async recognize(image: Buffer, timeoutMs: number): Promise<string> {
    clearTimeout(this.idleTimer);
    const worker = await this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeskError('EXTRACT_FAILED', `OCR took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      const result = await Promise.race([worker.recognize(image), timeout]);
      return result.data.text;
    } catch (err) {
      await this.close(); // a timed-out or crashed worker may still be busy: start a fresh one next time
      throw err;
    } finally {
      clearTimeout(timer);
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
    this.worker.catch(() => (this.worker = undefined));
    return this.worker;
  }
}

const shared = new OcrWorker();

/** Text of one image (PNG, JPEG, WebP, BMP, PBM bytes), or a DeskError(EXTRACT_FAILED) on a timeout or a crash. */
export async function recognizeImage(image: Buffer, timeoutMs = DEFAULT_PAGE_TIMEOUT_MS): Promise<string> {
  try {
    return await shared.recognize(image, timeoutMs);
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
