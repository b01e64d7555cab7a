import type { DocumentStatus } from '../store/types';
import type { FolderProgress } from './types';
import type { WorkItem } from './work-queue';

/** Throughput is averaged over the batches of the last few seconds, so it follows changes quickly. */
const windowMs = 10_000;
/** Until a document is done, guess the tokens per file byte of plain English text. */
const defaultTokensPerByte = 0.25;

interface Known {
  folder: string;
  status: DocumentStatus;
}

/**
 * Per-folder counts, tokens per second over a moving window and an ETA. It knows the final
 * status of every document (seeded from the store) and reads what is still waiting from the
 * queue, so the counts add up: total = queued + done + failed + skipped.
 */
export class ProgressTracker {
  private readonly known = new Map<string, Known>();
  private samples: Array<{ at: number; tokens: number; ms: number }> = [];
  private bytesSeen = 0;
  private tokensSeen = 0;
  /** The document being worked on; it counts as queued until it is finished. */
  current?: { path: string; folder: string; size: number };
  /** A step inside one document worth showing ("OCR page 12/40", "passage 256 of about 900"). */
  private step?: { path: string; text: string };
  /**
   * Documents whose lower pass is complete while their group's store transaction is still to
   * come: they count as done, so "3 / 43 files" moves as each file finishes, not per group.
   */
  private readonly lowered = new Set<string>();

  setStatus(path: string, folder: string, status: DocumentStatus): void {
    this.known.set(path, { folder, status });
  }

  forget(path: string): void {
    this.known.delete(path);
  }

  forgetAll(): void {
    this.known.clear();
  }

  forgetFolder(folder: string): void {
    for (const [path, k] of this.known) if (k.folder === folder) this.known.delete(path);
  }

  /** Every lower-pass batch of `path` is through; it is done once its group is stored. */
  markLowered(path: string): void {
    this.lowered.add(path);
  }

  /** `path` was stored, failed or dropped: its final status (setStatus) speaks for it now. */
  settle(path: string): void {
    this.lowered.delete(path);
    if (this.step?.path === path) this.step = undefined;
  }

  /** Shows `text` beside the file being worked on; `path` becomes the current file. */
  setStep(item: { path: string; folder: string; size: number }, text: string): void {
    this.current = item;
    this.step = { path: item.path, text };
  }

  /** The step of `path` is over (its OCR finished, say). */
  endStep(path: string): void {
    if (this.step?.path === path) this.step = undefined;
  }

  /**
   * `item` is in the lower pass. While another file is in a step (OCR of a file read ahead,
   * the slow part) that one stays current: its progress is the one worth reading.
   */
  setWorking(item: { path: string; folder: string; size: number }): void {
    if (this.step && this.step.path !== item.path) return;
    this.current = item;
  }

  /** `tokens` went through the lower pass in `ms` of work (extraction included). */
  recordBatch(tokens: number, ms: number, now = Date.now()): void {
    this.samples.push({ at: now, tokens, ms });
    this.samples = this.samples.filter((s) => now - s.at <= windowMs);
  }

  /** Teaches the ETA how many tokens a byte of file tends to give. */
  recordDocument(bytes: number, documentTokens: number): void {
    this.bytesSeen += bytes;
    this.tokensSeen += documentTokens;
  }

  tokensPerSecond(now = Date.now()): number {
    const recent = this.samples.filter((s) => now - s.at <= windowMs);
    const ms = recent.reduce((sum, s) => sum + s.ms, 0);
    const tokens = recent.reduce((sum, s) => sum + s.tokens, 0);
    return ms > 0 ? (tokens * 1000) / ms : 0;
  }

  snapshot(folders: readonly string[], waitingItems: Iterable<WorkItem>): FolderProgress[] {
    const tps = this.tokensPerSecond();
    const tokensPerByte = this.bytesSeen > 0 ? this.tokensSeen / this.bytesSeen : defaultTokensPerByte;
    return folders.map((folder) => {
      const waiting = new Map<string, number>();
      for (const item of waitingItems) if (item.folder === folder) waiting.set(item.path, item.size);
      const current = this.current?.folder === folder ? this.current : undefined;
      if (current) waiting.set(current.path, current.size);
      const counts = { done: 0, failed: 0, skipped: 0, other: 0 };
      for (const path of this.lowered) {
        if (!waiting.delete(path)) continue;
        counts.done++;
      }
      for (const [path, k] of this.known) {
        if (k.folder !== folder || waiting.has(path) || this.lowered.has(path)) continue;
        if (k.status === 'done' || k.status === 'failed' || k.status === 'skipped') counts[k.status]++;
        else counts.other++;
      }
      const queued = waiting.size + counts.other;
      const remainingBytes = [...waiting.values()].reduce((a, b) => a + b, 0);
      return {
        folder,
        total: queued + counts.done + counts.failed + counts.skipped,
        queued,
        done: counts.done,
        failed: counts.failed,
        skipped: counts.skipped,
        currentFile: current?.path,
        ...(current && this.step?.path === current.path ? { currentStep: this.step.text } : {}),
        tokensPerSecond: Math.round(tps),
        etaSeconds: queued > 0 && tps > 0 ? Math.ceil((remainingBytes * tokensPerByte) / tps) : undefined,
      };
    });
  }
}

/**
 * Calls `fn` at most once per `intervalMs`, always with a trailing call so the last state is
 * never lost; `flush` runs a pending call now.
 */
export class Throttle {
  private last = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: number,
  ) {}

  schedule(): void {
    if (this.intervalMs === 0) return this.run(); // every change, as it happens (tests, a log)
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.run(), wait);
  }

  flush(): void {
    if (this.timer) this.run();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = Date.now();
    this.fn();
  }
}
