import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { isIgnoredBelow } from './path-rules';
import { isSupportedPath } from '../text/extract';

/** How often a polled folder's files are looked at. */
export const pollIntervalMs = 5000;

/** What the watcher reports; the library turns each into a queued path. */
export interface WatchListener {
  /** A file appeared, changed or disappeared. */
  onPath(path: string, folder: string): void;
  /** A folder disappeared (its files may not each get an event). */
  onFolderGone(path: string, folder: string): void;
  /** The watcher of `folder` failed (e.g. ENOSPC: the system's inotify watches are used up). */
  onError(err: Error, folder: string): void;
}

/**
 * chokidar over each watched folder, after the library's own start-up scan (ignoreInitial).
 * Symlinks are not followed (followSymlinks: false): chokidar would otherwise walk into link
 * loops, and the scan does not follow them either. Writes must settle for `writeSettleMs`
 * before a file is reported, so a file being copied in is indexed once, whole.
 */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly polled = new Set<string>();

  constructor(
    private readonly listener: WatchListener,
    private readonly writeSettleMs: number,
    private readonly watchFn: typeof watch = watch,
  ) {}

  /** Starts watching (`usePolling`: stat the files every few seconds instead of inotify); resolves once chokidar is ready. */
  async add(folder: string, opts: { usePolling?: boolean } = {}): Promise<void> {
    if (this.watchers.has(folder)) return;
    const ignored = (path: string, stats?: Stats): boolean =>
      isIgnoredBelow(folder, path) || (stats?.isFile() === true && !isSupportedPath(path));
    const watcher = this.watchFn(folder, {
      ignored,
      ignoreInitial: true,
      followSymlinks: false,
      // Polling a share or a huge tree every 100 ms (chokidar's default) would keep a core busy.
      ...(opts.usePolling ? { usePolling: true, interval: pollIntervalMs, binaryInterval: pollIntervalMs } : {}),
      awaitWriteFinish: { stabilityThreshold: this.writeSettleMs, pollInterval: Math.min(100, this.writeSettleMs) },
    });
    this.watchers.set(folder, watcher);
    if (opts.usePolling) this.polled.add(folder);
    const report = (path: string) => this.listener.onPath(path, folder);
    watcher.on('add', report).on('change', report).on('unlink', report);
    watcher.on('unlinkDir', (path) => this.listener.onFolderGone(path, folder));
    watcher.on('error', (err) => this.listener.onError(err instanceof Error ? err : new Error(String(err)), folder));
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
  }

  /** Whether `folder` is watched by polling. */
  isPolling(folder: string): boolean {
    return this.polled.has(folder);
  }

  async remove(folder: string): Promise<void> {
    const watcher = this.watchers.get(folder);
    this.watchers.delete(folder);
    this.polled.delete(folder);
    await watcher?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((folder) => this.remove(folder)));
  }
}
