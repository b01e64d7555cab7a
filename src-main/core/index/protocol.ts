import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { DocumentStatusSchema, events, IndexStatusSchema, WireErrorSchema } from '../contract';
import type { WireError } from '../errors';
import type { DocumentRecord, StoreStats } from '../store/types';
import type { LibraryChanges, LibraryOptions } from './library';
import type { AddFolderOptions, FolderProgress, IndexEvent } from './types';

/**
 * The indexer process's message protocol. The host (app main process, CLI) calls methods on a
 * Library that lives in another process; every call is a request with an id answered by one
 * result or error; events and document-mirror updates flow back unasked.
 *
 * Messages are plain JSON-safe objects, so any transport that carries structured messages in
 * order works: a `child_process.fork` IPC channel (`childProcessPort` / `parentProcessPort`),
 * or Electron's `utilityProcess` (`process.parentPort` in the child: `utilityParentPort`; in
 * main wrap the UtilityProcess as `{ send: (m) => child.postMessage(m), onMessage: (cb) => {
 * child.on('message', cb); return () => child.off('message', cb) } }`).
 */

/** A bidirectional, ordered message channel. */
export interface IndexerPort {
  send(message: unknown): void;
  /** Subscribes to incoming messages; returns the unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** What the host sees of the library right after `open`: folders, progress and every document. */
export interface LibrarySnapshot {
  folders: string[];
  progress: { folders: FolderProgress[]; paused: boolean };
  documents: DocumentRecord[];
}

/** Methods the host may call: name → (argument tuple) → result. */
export interface IndexerMethods {
  open(options: LibraryOptions): LibrarySnapshot;
  addFolder(folder: string, opts?: AddFolderOptions): void;
  removeFolder(folder: string): void;
  pause(): void;
  resume(): void;
  whenIdle(): void;
  reconfigure(changes: LibraryChanges): void;
  stats(): StoreStats;
  /** The indexer process's own memory (heap, external buffers), for benchmarks. */
  memory(): NodeJS.MemoryUsage;
  /** Closes the library; the process exits right after answering. */
  close(): void;
}

export type MethodName = keyof IndexerMethods;

/** Host → indexer. */
export type Request = { kind: 'call'; id: number; method: MethodName; args: unknown[] };

// ---- the same messages as zod schemas, checked on receipt on both sides ----------------------

const count = z.number().int().min(0);

/**
 * A document record as the indexer sends it (store/types.ts DocumentRecord): the fields the host
 * reads are checked; a field added to the record later passes through unchecked rather than being
 * dropped on the way (loose).
 */
const DocumentRecordSchema = z.looseObject({
  path: z.string(),
  folder: z.string(),
  sha256: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  status: DocumentStatusSchema,
  reason: z.string().optional(),
  code: z.string().optional(),
  textLength: count.optional(),
  documentTokens: count.optional(),
  passageIds: z.array(z.string()),
  generation: z.string().optional(),
  encoding: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  indexedAt: z.number().optional(),
  ocrPages: count.optional(),
  ocrOn: z.boolean().optional(),
});

/** Index events are the contract's events of the same name, with their `type`. */
const IndexEventSchema = z.discriminatedUnion('type', [
  events.indexProgress.extend({ type: z.literal('indexProgress') }),
  events.documentIndexed.extend({ type: z.literal('documentIndexed') }),
  events.documentFailed.extend({ type: z.literal('documentFailed') }),
  events.documentRemoved.extend({ type: z.literal('documentRemoved') }),
  events.indexIdle.extend({ type: z.literal('indexIdle') }),
]);

export const ReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), id: count, value: z.unknown() }),
  z.object({ kind: z.literal('error'), id: count, error: WireErrorSchema }),
  z.object({ kind: z.literal('event'), event: IndexEventSchema }),
  z.object({ kind: z.literal('mirror'), folders: z.array(z.string()), upserts: z.array(DocumentRecordSchema), removed: z.array(z.string()) }),
]);

/** A method that answers nothing (null on the wire): whatever arrives resolves to undefined. */
const nothing = z.unknown().transform(() => undefined);

/**
 * Every method, once, with what it answers: a method added to IndexerMethods but not here fails to
 * compile, so none can answer a value the host silently drops (memory() did, before it was listed).
 */
export const resultSchemas: Record<MethodName, z.ZodType> = {
  open: z.object({ folders: z.array(z.string()), progress: IndexStatusSchema, documents: z.array(DocumentRecordSchema) }),
  addFolder: nothing,
  removeFolder: nothing,
  pause: nothing,
  resume: nothing,
  whenIdle: nothing,
  reconfigure: nothing,
  stats: z.object({ documents: count, passages: count, storedTokens: count, documentTokens: count, stateBytes: count }),
  memory: z.object({ rss: count, heapTotal: count, heapUsed: count, external: count, arrayBuffers: count }),
  close: nothing,
};
const methodNames = Object.keys(resultSchemas) as [MethodName, ...MethodName[]];

export const RequestSchema = z.object({ kind: z.literal('call'), id: z.number().int().min(1), method: z.enum(methodNames), args: z.array(z.unknown()) });

/** Indexer → host. `mirror` always arrives before the event or result it explains. */
export type Reply =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'event'; event: IndexEvent }
  | { kind: 'mirror'; folders: string[]; upserts: DocumentRecord[]; removed: string[] };

/** The host side of a `child_process.fork` child. */
export function childProcessPort(child: ChildProcess): IndexerPort {
  return {
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => {
      child.on('message', listener);
      return () => child.off('message', listener);
    },
  };
}

/** The child side of `child_process.fork`: the parent's IPC channel. */
export function parentProcessPort(): IndexerPort | undefined {
  if (!process.send) return undefined;
  return {
    send: (message) => {
      if (process.connected) process.send!(message);
    },
    onMessage: (listener) => {
      process.on('message', listener);
      return () => process.off('message', listener);
    },
  };
}

/** Electron's utilityProcess child side (`process.parentPort`), typed without importing electron. */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  off(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** The child side of an Electron utilityProcess, when this process is one. */
export function utilityParentPort(): IndexerPort | undefined {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (!parentPort) return undefined;
  return {
    send: (message) => parentPort.postMessage(message),
    onMessage: (listener) => {
      const onEvent = (e: { data: unknown }) => listener(e.data);
      parentPort.on('message', onEvent);
      return () => parentPort.off('message', onEvent);
    },
  };
}
