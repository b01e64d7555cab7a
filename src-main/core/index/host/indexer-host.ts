import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError, fromWire } from '../../errors';
import type { DocumentRecord, StoreStats } from '../../store/types';
import type { LibraryChanges, LibraryControl, LibraryOptions } from '../library';
import { withLargeBufferMalloc } from '../malloc-env';
import { childProcessPort, ReplySchema, resultSchemas, type IndexerMethods, type IndexerPort, type LibrarySnapshot, type MethodName, type Reply } from '../protocol';
import type { AddFolderOptions, FolderProgress, IndexEvent } from '../types';

/** How to start the indexer process. */
export interface ForkOptions {
  /** The entry file; default ../process/indexer-process.ts (under tsx), or the built indexer-process.js. */
  entry?: string;
  /** Node flags for the child; default `--import tsx` when the entry is TypeScript. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/** How long `close` waits for the process to exit by itself before killing it. */
const exitGraceMs = 10_000;

/**
 * The Library in another process, behind the same LibraryApi. Methods become request/response
 * messages; events are forwarded; errors come back as `{code, message}` and are rebuilt as
 * DeskError. The sync reads (listFolders, documents, progress) are served from a mirror the
 * indexer keeps current (protocol.ts: `mirror` arrives before the event or result it explains).
 */
export class IndexerHost implements LibraryControl {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: MethodName }>();
  private readonly listeners = new Set<(event: IndexEvent) => void>();
  private readonly exitListeners = new Set<(reason: string) => void>();
  private folders: string[] = [];
  private readonly docs = new Map<string, DocumentRecord>();
  private lastProgress: { folders: FolderProgress[]; paused: boolean } = { folders: [], paused: false };
  private gone?: string;
  private child?: ChildProcess;

  private constructor(private readonly port: IndexerPort) {
    port.onMessage((message) => this.receive(message));
  }

  /** Forks indexer-process and opens the library in it. */
  static async fork(options: LibraryOptions, forkOptions: ForkOptions = {}): Promise<IndexerHost> {
    const entry = forkOptions.entry ?? defaultEntry();
    const execArgv = forkOptions.execArgv ?? (entry.endsWith('.ts') ? ['--import', 'tsx'] : []);
    const env = withLargeBufferMalloc(forkOptions.env ?? process.env);
    const child = fork(entry, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const host = new IndexerHost(childProcessPort(child));
    host.child = child;
    child.on('exit', (code, signal) => host.disconnected(`indexer process exited (${signal ?? `code ${code}`})`));
    child.on('error', (err) => host.disconnected(`indexer process failed: ${err.message}`));
    try {
      await host.open(options);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return host;
  }

  private async open(options: LibraryOptions): Promise<void> {
    const snapshot = (await this.call('open', options)) as LibrarySnapshot;
    this.folders = snapshot.folders;
    this.lastProgress = snapshot.progress;
    for (const doc of snapshot.documents) this.docs.set(doc.path, doc);
  }

  /** The process behind the port is gone: pending and later calls fail with INTERNAL. */
  disconnected(reason: string): void {
    if (this.gone) return;
    this.gone = reason;
    for (const { reject } of this.pending.values()) reject(new DeskError('INTERNAL', reason));
    this.pending.clear();
    for (const listener of this.exitListeners) listener(reason);
  }

  /** Runs when the indexer process exits (crash included); the shell may start a new one. */
  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** OS process id of a forked indexer (tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  addFolder(folder: string, opts?: AddFolderOptions): Promise<void> {
    return this.call('addFolder', folder, opts) as Promise<void>;
  }

  removeFolder(folder: string): Promise<void> {
    return this.call('removeFolder', folder) as Promise<void>;
  }

  listFolders(): string[] {
    return [...this.folders];
  }

  documents(folder?: string): DocumentRecord[] {
    const all = [...this.docs.values()];
    return folder === undefined ? all : all.filter((d) => d.folder === folder);
  }

  progress(): { folders: FolderProgress[]; paused: boolean } {
    return this.lastProgress;
  }

  pause(): void {
    this.lastProgress = { ...this.lastProgress, paused: true };
    this.call('pause').catch(() => undefined);
  }

  resume(): void {
    this.lastProgress = { ...this.lastProgress, paused: false };
    this.call('resume').catch(() => undefined);
  }

  whenIdle(): Promise<void> {
    return this.call('whenIdle') as Promise<void>;
  }

  reconfigure(changes: LibraryChanges): Promise<void> {
    return this.call('reconfigure', changes) as Promise<void>;
  }

  /** The indexer process's process.memoryUsage() (benchmarks: its JS heap beside its RSS). */
  memory(): Promise<NodeJS.MemoryUsage> {
    return this.call('memory') as Promise<NodeJS.MemoryUsage>;
  }

  stats(): Promise<StoreStats> {
    return this.call('stats') as Promise<StoreStats>;
  }

  onEvent(listener: (event: IndexEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the library and waits for the process to exit (killing it after a grace period). */
  async close(): Promise<void> {
    if (this.gone) return;
    const child = this.child;
    const exited = child ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
    await this.call('close').catch(() => undefined);
    const timer = setTimeout(() => child?.kill('SIGKILL'), exitGraceMs);
    await exited;
    clearTimeout(timer);
    this.disconnected('indexer closed');
  }

  private call(method: MethodName, ...args: Parameters<IndexerMethods[MethodName]>): Promise<unknown> {
    if (this.gone) return Promise.reject(new DeskError('INTERNAL', this.gone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.port.send({ kind: 'call', id, method, args });
    });
  }

  /** Every reply is checked against the protocol (protocol.ts), and a result against its method's schema. */
  private receive(message: unknown): void {
    const parsed = ReplySchema.safeParse(message);
    if (!parsed.success) return console.error(`indexer: a reply outside the protocol: ${parsed.error.issues[0]?.message}`);
    const reply = parsed.data as Reply;
    switch (reply.kind) {
      case 'result':
      case 'error': {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (!waiter) return;
        if (reply.kind === 'error') return waiter.reject(fromWire(reply.error));
        const value = resultSchemas[waiter.method].safeParse(reply.value);
        if (value.success) waiter.resolve(value.data);
        else waiter.reject(new DeskError('INTERNAL', `indexer: ${waiter.method} answered outside the protocol: ${value.error.issues[0]?.message}`));
        return;
      }
      case 'mirror':
        this.folders = reply.folders;
        for (const doc of reply.upserts) this.docs.set(doc.path, doc);
        for (const path of reply.removed) this.docs.delete(path);
        for (const [path, doc] of this.docs) if (!this.folders.includes(doc.folder)) this.docs.delete(path);
        return;
      case 'event':
        if (reply.event.type === 'indexProgress') this.lastProgress = { folders: reply.event.folders, paused: reply.event.paused };
        for (const listener of this.listeners) listener(reply.event);
        return;
    }
  }
}

function defaultEntry(): string {
  const ts = join(import.meta.dirname, '..', 'process', 'indexer-process.ts');
  if (existsSync(ts)) return ts;
  // Built: beside the bundle's entries, which is this module's folder or, in a shared chunk, the one above.
  const built = [import.meta.dirname, join(import.meta.dirname, '..')].map((dir) => join(dir, 'indexer-process.js'));
  return built.find((path) => existsSync(path)) ?? built[0];
}
