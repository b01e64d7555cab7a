/** What a pull is doing, for a progress bar: bytes per file and overall, and the current speed. */
export interface PullProgress {
  phase: 'resolve' | 'download' | 'verify' | 'install' | 'done';
  /** The file being transferred (download/verify phases). */
  file?: string;
  fileBytes: number;
  fileTotal?: number;
  /** Bytes on disk across all files, resumed bytes included. */
  bytes: number;
  /** Sum of the files' sizes where the hub published them. */
  total?: number;
  /** Transfer speed over the last few seconds (resumed bytes are not counted). */
  bytesPerSecond: number;
}

/** Turns per-file byte counts into throttled PullProgress events. */
export class ProgressTracker {
  private readonly done = new Map<string, number>();
  private readonly samples: Array<[number, number]> = [];
  private lastEmit = 0;
  private current: Omit<PullProgress, 'bytes' | 'total' | 'bytesPerSecond'> = { phase: 'resolve', fileBytes: 0 };

  constructor(
    private readonly totals: Map<string, number | undefined>,
    private readonly emit: (p: PullProgress) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 100,
  ) {}

  /** The files to fetch and their sizes where known (before this, no total is reported). */
  plan(totals: Map<string, number | undefined>): void {
    for (const [file, size] of totals) this.totals.set(file, size);
  }

  /** A phase change is always reported. */
  phase(phase: PullProgress['phase'], file?: string): void {
    this.current = { phase, file, fileBytes: file ? (this.done.get(file) ?? 0) : 0, fileTotal: file ? this.totals.get(file) : undefined };
    this.report(true);
  }

  /** Bytes of `file` now on disk; `isResume` marks bytes found from an earlier run (not counted in speed). */
  file(file: string, bytes: number, total: number | undefined, isResume = false): void {
    this.done.set(file, bytes);
    if (total !== undefined) this.totals.set(file, total);
    this.current = { phase: 'download', file, fileBytes: bytes, fileTotal: total ?? this.totals.get(file) };
    if (isResume) this.samples.length = 0;
    this.report(isResume || bytes === total);
  }

  snapshot(): PullProgress {
    const bytes = [...this.done.values()].reduce((a, b) => a + b, 0);
    const sizes = [...this.totals.values()];
    const total = sizes.length > 0 && sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
    return { ...this.current, bytes, total, bytesPerSecond: this.speed(bytes) };
  }

  private speed(bytes: number): number {
    const t = this.now();
    this.samples.push([t, bytes]);
    while (this.samples.length > 2 && t - this.samples[0][0] > 3000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    return t > t0 ? ((bytes - b0) * 1000) / (t - t0) : 0;
  }

  private report(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastEmit < this.intervalMs) return;
    this.lastEmit = t;
    this.emit(this.snapshot());
  }
}

/** 1536 → "1.5 KB"; binary multiples with the usual short names. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
