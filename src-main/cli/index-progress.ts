import type { FolderProgress } from '../core/index/types';

/** Plain (non-TTY) output repeats the progress line at most this often. */
const plainIntervalMs = 2_000;
const barWidth = 24;

/**
 * The `index` command's progress: one redrawn line with a bar on a terminal, plain lines every
 * few seconds otherwise (logs, CI). Notes (failures) print above the bar.
 */
export class ProgressLine {
  private last?: string;
  private lastPlainAt = 0;
  private readonly isTty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly isQuiet: boolean,
  ) {
    this.isTty = out.isTTY === true;
  }

  update(progress: FolderProgress | undefined, isPaused: boolean): void {
    if (!progress || this.isQuiet) return;
    this.last = render(progress, isPaused, this.isTty);
    if (this.isTty) this.redraw();
    else if (Date.now() - this.lastPlainAt >= plainIntervalMs) {
      this.lastPlainAt = Date.now();
      this.out.write(`${this.last}\n`);
    }
  }

  note(line: string): void {
    if (this.isQuiet) return;
    if (this.isTty) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
    if (this.isTty && this.last) this.redraw();
  }

  /** Leaves the final state on screen. */
  done(): void {
    if (this.isQuiet || !this.last) return;
    if (this.isTty) this.out.write('\n');
    else this.out.write(`${this.last}\n`);
  }

  private redraw(): void {
    const columns = this.out.columns ?? 100;
    this.out.write(`\r\x1b[2K${this.last!.slice(0, columns - 1)}`);
  }
}

function render(p: FolderProgress, isPaused: boolean, withBar: boolean): string {
  const finished = p.done + p.failed + p.skipped;
  const fraction = p.total > 0 ? finished / p.total : 1;
  const filled = Math.round(fraction * barWidth);
  const bar = withBar ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ` : '';
  const parts = [
    `${bar}${finished}/${p.total}`,
    `${p.done} done`,
    p.failed > 0 ? `${p.failed} failed` : '',
    p.skipped > 0 ? `${p.skipped} skipped` : '',
    `${Math.round(p.tokensPerSecond).toLocaleString('en-US')} tok/s`,
    p.etaSeconds !== undefined ? `ETA ${duration(p.etaSeconds)}` : '',
    isPaused ? 'paused' : '',
    p.currentFile ? shorten(p.currentFile, 40) : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function shorten(path: string, max: number): string {
  return path.length <= max ? path : `…${path.slice(path.length - max + 1)}`;
}
