import { realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DeskError } from '../errors';
import type { Tokenizer } from '../model/types';
import type { CacheIdentity, DocumentRecord, StoreStats } from '../store/types';
import { folderConcerns, fileSystemTypeOf, isNetworkFileSystem } from './folder-checks';
import { FolderWatcher, pollIntervalMs } from './folder-watcher';
import { applyChanges, runtimeOptions, type LibraryChanges, type LibraryControl, type LibraryHooks, type LibraryOptions } from './library-options';
import { checkFolderAllowed, isIndexablePath, isInside } from './path-rules';
import { ProgressTracker, Throttle } from './progress';
import { openRuntime, type Runtime } from './runtime';
import { scanFolder, type ScanProblem } from './scan-folder';
import { isCurrent, lowerPending, prepareSync, type PendingDocument, type SyncContext } from './sync-document';
import type { AddFolderOptions, FolderProgress, IndexEvent } from './types';
import { WorkQueue, type WorkItem } from './work-queue';

export type { LibraryChanges, LibraryControl, LibraryHooks, LibraryOptions } from './library-options';

const progressIntervalMs = 100;
/** Lower-pass batches' worth of windows prepared before encoding: room to sort by length across documents. */
const groupBatches = 3;

/**
 * The indexer: watched folders → queue → groups of documents through extract → passages →
 * lower pass (batches shared across the group's documents) → ONE store transaction per group,
 * committed while the next group encodes. Start-up reconciles the store with the disk
 * (size+mtime as a fast check, sha256 decides); chokidar keeps it current while running.
 */
export class Library implements LibraryControl {
  private runtime: Runtime;
  private options: LibraryOptions;
  private folders: string[];
  private readonly queue = new WorkQueue();
  /** Taken from the queue and being prepared, encoded or committed (several share lower-pass batches). */
  private readonly pending = new Map<string, WorkItem>();
  private readonly tracker = new ProgressTracker();
  /** Folders whose watcher failed, with the reason in words (shown on their progress). */
  private readonly watchErrors = new Map<string, string>();
  private readonly throttle: Throttle;
  private readonly watcher: FolderWatcher | undefined;
  private readonly listeners = new Set<(event: IndexEvent) => void>();
  private readonly changeListeners = new Set<(paths: string[]) => void>();
  private idleWaiters: Array<() => void> = [];
  private resumeWaiters: Array<() => void> = [];
  private isPaused = false;
  private isClosed = false;
  private worker?: Promise<void>;
  private pendingScans = 0;
  private currentAbort?: AbortController;
  /** Start of the work not yet counted in the throughput. */
  private busyMark = 0;
  private lowerBatchCount = 0;
  /** The next group, read and cut while the previous one encoded, with the abort signal it was taken under. */
  private prefetched?: { ready: PendingDocument[]; abort: AbortController };
  /** The store commit of the last encoded group, which runs while the next group encodes. */
  private committing: Promise<void> = Promise.resolve();
  /** Serialises store writes between the worker and API calls (add/remove folder, reconfigure). */
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(runtime: Runtime, options: LibraryOptions) {
    this.runtime = runtime;
    this.options = options;
    this.folders = runtime.store.listFolders();
    this.throttle = new Throttle(() => this.emit({ type: 'indexProgress', ...this.progress() }), options.progressIntervalMs ?? progressIntervalMs);
    if (options.watch !== false) {
      this.watcher = new FolderWatcher(
        {
          onPath: (path, folder) => {
            if (isIndexablePath(folder, path) || this.runtime.store.getDocument(path)) this.enqueue({ path, folder, size: 0 });
          },
          onFolderGone: (dir, folder) => this.enqueueUnder(dir, folder),
          onError: (err, folder) => this.watchFailed(folder, err),
        },
        options.writeSettleMs ?? 500,
        options.watchFn,
      );
    }
  }

  /** Opens the store (resetting it when the model, k, P, precision, W or O changed) and starts indexing. */
  static async open(options: LibraryOptions, hooks: LibraryHooks = {}): Promise<Library> {
    const runtime = await openRuntime(runtimeOptions(options));
    const library = new Library(runtime, options);
    if (hooks.onEvent) library.onEvent(hooks.onEvent);
    if (hooks.onDocumentsChanged) library.onDocumentsChanged(hooks.onDocumentsChanged);
    await library.start();
    return library;
  }

  private async start(): Promise<void> {
    this.seedTracker();
    await Promise.all(this.folders.map((folder) => this.watchAndScan(folder)));
    this.kick();
  }

  private seedTracker(): void {
    for (const doc of this.runtime.store.listDocuments()) this.tracker.setStatus(doc.path, doc.folder, doc.status);
  }

  // ---- LibraryApi ---------------------------------------------------------------------------

  async addFolder(folder: string, opts: AddFolderOptions = {}): Promise<void> {
    const abs = await realFolder(folder);
    if (this.folders.includes(abs)) return;
    checkFolderAllowed(abs, await Promise.all([this.options.dbDir, this.options.cacheDir].map((d) => realpath(d).catch(() => resolve(d)))));
    const overlap = this.folders.find((f) => isInside(f, abs) || isInside(abs, f));
    if (overlap) throw new DeskError('BAD_REQUEST', `${abs} overlaps the watched folder ${overlap}; remove that one first`);
    if (opts.confirm !== true) {
      const concerns = await folderConcerns(abs, { maxEntries: this.options.maxFolderEntries, mountsPath: this.options.mountsPath });
      if (concerns.length > 0) {
        throw new DeskError('CONFIRM_REQUIRED', `${concerns.map((c) => c.message).join(' ')} Add it anyway?`, { concerns: concerns.map((c) => c.kind) });
      }
    }
    await this.exclusive(() => this.runtime.store.addFolder(abs));
    this.folders = this.runtime.store.listFolders();
    await this.watchAndScan(abs);
    this.kick();
  }

  async removeFolder(folder: string): Promise<void> {
    const abs = this.folders.find((f) => f === resolve(folder)) ?? (await realFolder(folder).catch(() => resolve(folder)));
    if (!this.folders.includes(abs)) throw new DeskError('NOT_FOUND', `${abs} is not a watched folder`);
    this.folders = this.folders.filter((f) => f !== abs);
    this.watchErrors.delete(abs);
    this.queue.dropFolder(abs);
    // Work pending for other folders too is kept: the commit drops this folder's documents itself.
    const pending = [...this.pending.values()];
    if (pending.length > 0 && pending.every((item) => item.folder === abs)) this.currentAbort?.abort();
    await this.watcher?.remove(abs);
    const removed = await this.exclusive(async () => {
      const docs = this.runtime.store.listDocuments(abs);
      await this.runtime.store.removeFolder(abs);
      return docs.map((d) => d.path);
    });
    this.tracker.forgetFolder(abs);
    this.folders = this.runtime.store.listFolders();
    for (const path of removed) this.emit({ type: 'documentRemoved', path });
    this.changed(removed);
    this.kick();
  }

  listFolders(): string[] {
    return [...this.folders];
  }

  /** Store records with what is waiting overlaid: queued (not yet looked at) or indexing (now). */
  documents(folder?: string): DocumentRecord[] {
    const docs = new Map(this.runtime.store.listDocuments(folder).map((d) => [d.path, d]));
    for (const item of this.queue.values()) {
      if (folder === undefined || item.folder === folder) docs.set(item.path, this.overlay(item, 'queued', docs.get(item.path)));
    }
    for (const item of this.pending.values()) {
      if (folder === undefined || item.folder === folder) docs.set(item.path, this.overlay(item, 'indexing', docs.get(item.path)));
    }
    return [...docs.values()];
  }

  /** One document as `documents()` shows it, or undefined when the library does not know it. */
  document(path: string): DocumentRecord | undefined {
    const stored = this.runtime.store.getDocument(path);
    const current = this.pending.get(path);
    if (current) return this.overlay(current, 'indexing', stored);
    const waiting = this.queue.get(path);
    return waiting ? this.overlay(waiting, 'queued', stored) : stored;
  }

  progress(): { folders: FolderProgress[]; paused: boolean } {
    const folders = this.tracker.snapshot(this.folders, [...this.queue.values(), ...this.pending.values()]);
    const withErrors = folders.map((f) => (this.watchErrors.has(f.folder) ? { ...f, watchError: this.watchErrors.get(f.folder) } : f));
    return { folders: withErrors, paused: this.isPaused };
  }

  pause(): void {
    this.isPaused = true;
    this.throttle.schedule();
  }

  resume(): void {
    this.isPaused = false;
    for (const wake of this.resumeWaiters.splice(0)) wake();
    this.throttle.schedule();
  }

  whenIdle(): Promise<void> {
    if (this.isIdle() || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  onEvent(listener: (event: IndexEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Paths whose `document(path)` changed (status, passages, removal): for mirrors in other processes. */
  onDocumentsChanged(listener: (paths: string[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async stats(): Promise<StoreStats> {
    return this.runtime.store.stats();
  }

  /** The cache identity the store was opened with. */
  get identity(): CacheIdentity {
    return this.runtime.store.identity;
  }

  /** Lower-pass batches run since open (diagnostics: documents share batches, so fewer than documents). */
  get lowerBatches(): number {
    return this.lowerBatchCount;
  }

  /** Tokenizer that cut the passages (the model's, or the default one without a model). */
  get tokenizer(): Tokenizer {
    return this.runtime.tokenizer;
  }

  /**
   * Swaps model, k, P, precision, W/O or other settings. The new engine is opened first (a bad
   * checkpoint throws and leaves the library as it was); when the cache identity changes the
   * store resets and every document is re-encoded in the background.
   */
  async reconfigure(changes: LibraryChanges): Promise<void> {
    const options = applyChanges(this.options, changes);
    this.currentAbort?.abort();
    await this.exclusive(async () => {
      const next = await openRuntime(runtimeOptions(options), this.runtime);
      const folders = this.folders;
      this.runtime = next;
      this.options = options;
      // A reset store may have forgotten the folders: the library's list is the truth.
      for (const folder of folders) if (!next.store.listFolders().includes(folder)) await next.store.addFolder(folder);
      this.folders = next.store.listFolders();
    });
    this.tracker.forgetAll();
    this.seedTracker();
    await Promise.all(this.folders.map((folder) => this.scan(folder)));
    this.kick();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.throttle.cancel();
    this.currentAbort?.abort();
    for (const wake of this.resumeWaiters.splice(0)) wake();
    await this.watcher?.close();
    await this.worker;
    await this.lock;
    await this.committing;
    for (const wake of this.idleWaiters.splice(0)) wake();
    await this.runtime.close();
  }

  // ---- queue and worker ---------------------------------------------------------------------

  private async watchAndScan(folder: string): Promise<void> {
    if (!(await isFolder(folder))) return this.missing(folder);
    if (this.watcher) {
      // inotify does not see changes made by other machines: a network share is polled.
      const usePolling = isNetworkFileSystem(await fileSystemTypeOf(folder, this.options.mountsPath));
      await this.watcher.add(folder, { usePolling });
    }
    await this.scan(folder);
  }

  /**
   * The watcher failed on a folder: the reason goes on the folder's progress (Library panel), not
   * only the log. Out of inotify watches, the folder is watched by polling instead (its watches
   * are given back first).
   */
  private watchFailed(folder: string, err: Error): void {
    const text = watchErrorText(err);
    console.error(`watcher: ${folder}: ${text}`);
    this.watchErrors.set(folder, text);
    this.throttle.schedule();
    const code = (err as NodeJS.ErrnoException).code;
    const watcher = this.watcher;
    if ((code === 'ENOSPC' || code === 'EMFILE') && watcher && !watcher.isPolling(folder) && this.folders.includes(folder)) {
      void watcher
        .remove(folder)
        .then(() => (this.folders.includes(folder) && !this.isClosed ? watcher.add(folder, { usePolling: true }) : undefined))
        .catch((again: Error) => console.error(`watcher: ${folder}: polling failed too: ${again.message}`));
    }
  }

  /**
   * A watched folder that is not there (an unplugged drive, a network share offline) keeps its
   * documents: forgetting them would throw away the cache of a folder that may come back.
   */
  private missing(folder: string): void {
    console.error(`indexer: watched folder ${folder} is not available; its documents are kept as they were`);
  }

  /** Reconcile one folder with the disk: queue what is new, changed or gone. */
  private async scan(folder: string): Promise<void> {
    this.pendingScans++;
    try {
      const problems: ScanProblem[] = [];
      const files = await scanFolder(folder, undefined, (problem) => problems.push(problem)).catch(() => undefined);
      if (!files) return this.missing(folder);
      if (!this.folders.includes(folder)) return;
      const onDisk = new Set([...files, ...problems].map((f) => f.path));
      for (const doc of this.runtime.store.listDocuments(folder)) {
        if (!onDisk.has(doc.path)) this.enqueue({ path: doc.path, folder, size: 0 });
      }
      for (const problem of problems) await this.recordProblem(folder, problem);
      for (const file of files) {
        const doc = this.runtime.store.getDocument(file.path);
        if (!doc || !isCurrent(doc, file.size, file.mtimeMs, this.runtime.settings)) this.enqueue({ ...file, folder });
      }
    } finally {
      this.pendingScans--;
      this.kick();
    }
  }

  /** A path the scan will not index gets a record saying why (the Library panel and the CLI list it). */
  private async recordProblem(folder: string, problem: ScanProblem): Promise<void> {
    const { path, failure } = problem;
    const doc = this.runtime.store.getDocument(path);
    this.tracker.setStatus(path, folder, failure.status);
    if (doc && doc.code === failure.code && doc.reason === failure.reason) return;
    await this.runtime.store.putDocumentStatus({
      path,
      folder,
      sha256: '',
      size: problem.size,
      mtimeMs: problem.mtimeMs,
      passageIds: [],
      indexedAt: Date.now(),
      ...failure,
    });
    this.changed([path]);
    this.emit({ type: 'documentFailed', path, ...failure });
  }

  /**
   * A queued file was gone when its turn came. Without a watcher (the CLI) a rename would go
   * unseen: its folder is scanned again so the new name is found.
   */
  private async rescanAfterVanish(item: WorkItem): Promise<void> {
    if (this.watcher || this.isClosed) return;
    const files = await scanFolder(dirname(item.path)).catch(() => []);
    for (const file of files) {
      const doc = this.runtime.store.getDocument(file.path);
      if (!doc || !isCurrent(doc, file.size, file.mtimeMs, this.runtime.settings)) this.enqueue({ ...file, folder: item.folder });
    }
  }

  private enqueue(item: WorkItem): void {
    if (this.isClosed || !this.folders.includes(item.folder)) return;
    this.queue.push(item);
    this.changed([item.path]);
    this.kick();
  }

  private enqueueUnder(dir: string, folder: string): void {
    for (const doc of this.runtime.store.listDocuments(folder)) {
      if (isInside(dir, doc.path)) this.enqueue({ path: doc.path, folder, size: 0 });
    }
  }

  private kick(): void {
    if (this.isClosed) return;
    if (!this.worker && this.queue.length > 0) this.worker = this.work();
    else if (this.isIdle()) this.announceIdle();
    this.throttle.schedule();
  }

  private isIdle(): boolean {
    return !this.worker && this.queue.length === 0 && this.pendingScans === 0;
  }

  private announceIdle(): void {
    if (this.idleWaiters.length === 0 && this.listeners.size === 0) return;
    this.throttle.flush();
    this.emit({ type: 'indexIdle' });
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async work(): Promise<void> {
    let didWork = false;
    for (;;) {
      await this.waitWhilePaused();
      if (this.isClosed || (this.queue.length === 0 && !this.prefetched)) break;
      didWork = true;
      this.busyMark = Date.now();
      try {
        await this.exclusive(() => this.syncGroup(), { overlapCommit: true });
      } catch (err) {
        console.error(`indexer: ${err instanceof Error ? err.stack : String(err)}`);
      }
      this.recordWork(0);
      this.throttle.schedule();
    }
    if (this.prefetched) {
      this.settle(this.prefetched.ready.map((p) => p.item.path)); // closed: never encoded
      this.prefetched = undefined;
    }
    await this.committing;
    this.worker = undefined;
    if (didWork) this.kick();
  }

  /**
   * One group of documents: its windows share lower-pass batches sorted by length, and it is
   * stored in one transaction (each document wholly or not at all) that commits while the next
   * group encodes. While this group encodes (in the lower-pass thread), the next group is taken,
   * read and cut here, and carried to the next call: extraction and tokenizing never leave the
   * lower pass idle. A carried group whose work was cancelled (reconfigure, close) is dropped.
   */
  private async syncGroup(): Promise<void> {
    const carried = this.prefetched;
    this.prefetched = undefined;
    const usable = carried && !carried.abort.signal.aborted ? carried : undefined;
    if (carried && !usable) this.settle(carried.ready.map((p) => p.item.path));
    const abort = usable?.abort ?? new AbortController();
    this.currentAbort = abort;
    const ctx = this.syncContext(abort.signal);
    let ready: PendingDocument[] = [];
    let next: PendingDocument[] = [];
    try {
      ready = usable ? usable.ready : await this.takeGroup(ctx, false);
      if (ready.length === 0) return;
      const last = ready[ready.length - 1];
      this.tracker.current = { ...last.item, size: last.size };
      const encoding = lowerPending(ready, ctx);
      encoding.catch(() => {}); // awaited below, after the next group is read
      next = await this.takeGroup(ctx, true);
      const commit = await encoding;
      // One commit in flight at a time; this group's runs while the next group encodes.
      await this.committing;
      this.committing = commit().catch((err: unknown) => console.error(`indexer: commit: ${err instanceof Error ? err.stack : String(err)}`));
      if (next.length > 0) this.prefetched = { ready: next, abort };
    } catch (err) {
      this.settle([...ready, ...next].map((p) => p.item.path));
      throw err;
    } finally {
      if (this.prefetched?.abort !== abort) this.currentAbort = undefined;
    }
  }

  /**
   * Takes queued documents until about `groupBatches` lower-pass batches of windows are pending
   * (one batch when nothing is encoding; or until the queue is empty, or pause was asked) and
   * reads and cuts them. `ahead`: taken while the previous group encodes, so a document still in
   * flight is left queued for later.
   */
  private async takeGroup(ctx: SyncContext, ahead: boolean): Promise<PendingDocument[]> {
    // With nothing encoding, one batch's worth gets the lower pass going soonest; the groups
    // read ahead are bigger, for batches sorted across more documents.
    const { batchSize } = this.runtime.settings;
    const limit = (ahead ? groupBatches : 1) * batchSize;
    const ready: PendingDocument[] = [];
    let windows = 0;
    try {
      // Counting documents taken too bounds a run of unchanged ones (no windows) holding the lock.
      for (let taken = 0; windows < limit && taken < groupBatches * batchSize && !this.isPaused; taken++) {
        const item = this.isClosed || ctx.signal.aborted ? undefined : this.queue.shift();
        if (!item) break;
        if (this.pending.has(item.path)) {
          if (ahead) {
            this.queue.push(item); // its previous version is still being encoded: next round
            break;
          }
          await this.committing; // its previous version is still being stored
        }
        this.pending.set(item.path, item);
        if (!ahead) this.tracker.current = item;
        this.changed([item.path]);
        const doc = ctx.isWanted(item) ? await prepareSync(item, { ...ctx, readingAhead: ahead }) : undefined;
        if (doc) {
          ready.push(doc);
          windows += doc.prepared.windows.length;
        } else {
          this.settle([item.path]);
        }
      }
    } catch (err) {
      this.settle(ready.map((p) => p.item.path));
      throw err;
    }
    return ready;
  }

  /** These paths are no longer being worked on. */
  private settle(paths: string[]): void {
    for (const path of paths) {
      this.pending.delete(path);
      this.tracker.settle(path);
      if (this.tracker.current?.path === path) this.tracker.current = undefined;
    }
    this.changed(paths);
    this.throttle.schedule();
  }

  /**
   * Tokens per second count all the work of a document (hashing, extraction, lower pass, the
   * store write) but never time paused or idle, so the ETA holds for the files still queued.
   */
  private recordWork(tokens: number): void {
    const now = Date.now();
    this.tracker.recordBatch(tokens, now - this.busyMark, now);
    this.busyMark = now;
    this.throttle.schedule();
  }

  private syncContext(signal: AbortSignal): SyncContext {
    return {
      runtime: this.runtime,
      tracker: this.tracker,
      signal,
      isWanted: (item) => !this.isClosed && this.folders.includes(item.folder),
      emit: (event) => this.emit(event),
      requeue: (again) => this.queue.push(again),
      vanished: (item) => void this.rescanAfterVanish(item),
      beforeBatch: async () => {
        const pausedAt = Date.now();
        await this.waitWhilePaused();
        this.busyMark += Date.now() - pausedAt;
      },
      settled: (item) => this.settle([item.path]),
      lowered: (item) => {
        this.tracker.markLowered(item.path);
        this.throttle.schedule();
      },
      working: (item) => {
        this.tracker.setWorking(item);
        this.throttle.schedule();
      },
      step: (item, text) => {
        this.tracker.setStep(item, text);
        this.throttle.schedule();
      },
      endStep: (item) => this.tracker.endStep(item.path),
      onBatch: (tokens) => {
        this.lowerBatchCount++;
        this.recordWork(tokens);
      },
    };
  }

  private waitWhilePaused(): Promise<void> {
    if (!this.isPaused || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.resumeWaiters.push(resolve));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private overlay(item: WorkItem, status: 'queued' | 'indexing', stored: DocumentRecord | undefined): DocumentRecord {
    if (stored) return { ...stored, status };
    return { path: item.path, folder: item.folder, sha256: '', size: item.size, mtimeMs: 0, status, passageIds: [] };
  }

  /** Runs `fn` alone; after the commit in flight unless `overlapCommit` (the worker encoding its next group). */
  private exclusive<T>(fn: () => Promise<T>, opts: { overlapCommit?: boolean } = {}): Promise<T> {
    const after = async () => {
      if (!opts.overlapCommit) await this.committing;
      return fn();
    };
    const run = this.lock.then(after, after);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private emit(event: IndexEvent): void {
    if (event.type !== 'indexProgress' && event.type !== 'indexIdle') this.throttle.schedule();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('index event listener failed:', err);
      }
    }
  }

  private changed(paths: string[]): void {
    if (paths.length === 0) return;
    for (const listener of this.changeListeners) listener(paths);
  }
}

/** The OS refusing more watches (inotify's per-user limit) is common on big trees: say what to do. */
export function watchErrorText(err: Error): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOSPC' || (err as NodeJS.ErrnoException).code === 'EMFILE') {
    return (
      `too many files to watch (the system's inotify limit): this folder is now watched by polling every ${pollIntervalMs / 1000} s, ` +
      'which is slower and costs more; raise fs.inotify.max_user_watches (e.g. sysctl fs.inotify.max_user_watches=524288) and restart the app ' +
      `to watch it normally [WATCH_LIMIT: ${err.message}]`
    );
  }
  return `changes are not being watched: ${err.message}`;
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

async function realFolder(folder: string): Promise<string> {
  const abs = resolve(folder);
  const stats = await stat(abs).catch(() => undefined);
  if (!stats) throw new DeskError('NOT_FOUND', `folder not found: ${abs}`);
  if (!stats.isDirectory()) throw new DeskError('BAD_REQUEST', `not a folder: ${abs}`);
  return realpath(abs);
}
