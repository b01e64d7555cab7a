import { lstat } from 'node:fs/promises';
import { nextGeneration } from '../store/cache-key';
import type { DocumentRecord, DocumentWrite } from '../store/types';
import type { LowerStates } from '../model/types';
import type { PassageWindow } from '../text/types';
import {
  chunkWindowsFor,
  documentRecord,
  DocumentTokenCounter,
  documentWrite,
  lowerDocuments,
  nextWindows,
  passageRecord,
  prepareDocument,
  type FileOnDisk,
  type LowerContext,
  type PreparedDocument,
} from './encode-document';
import { failureOf, tooLarge, type Failure } from './failure';
import { isStillAProblem, notRegular } from './scan-folder';
import { sha256File } from './file-hash';
import { isIndexablePath } from './path-rules';
import type { ProgressTracker } from './progress';
import type { Runtime } from './runtime';
import type { IndexEvent, IndexSettings } from './types';
import type { WorkItem } from './work-queue';

/** What bringing paths in line needs from the library. */
export interface SyncContext {
  runtime: Runtime;
  tracker: ProgressTracker;
  /** Aborted when the library closes or reconfigures: the work is thrown away. */
  signal: AbortSignal;
  /** False once the item's folder is no longer watched: its pending work is dropped. */
  isWanted(item: WorkItem): boolean;
  emit(event: IndexEvent): void;
  /** The file changed while it was read: look at it again later. */
  requeue(item: WorkItem): void;
  /** The file was gone when its turn came (deleted, or renamed: its new name may need finding). */
  vanished?(item: WorkItem): void;
  /** Awaited before each lower-pass batch (pause holds here). */
  beforeBatch(): Promise<void>;
  onBatch(tokens: number): void;
  /** `item` is in the lower pass now: it becomes progress's current file. */
  working(item: WorkItem): void;
  /** Every lower-pass batch of `item` is through (it waits for its group's store transaction). */
  lowered(item: WorkItem): void;
  /** A pending document was stored, failed or dropped: it is no longer being worked on. */
  settled(item: WorkItem): void;
  /** A step inside `item` worth showing ("OCR page 12/40"); it becomes the current file. */
  step(item: WorkItem, text: string): void;
  /** `item`'s step is over (its extraction finished). */
  endStep(item: WorkItem): void;
  /** Reading the next group while another encodes: the progress's current file stays the encoding one. */
  readingAhead?: boolean;
}

/** A document extracted and cut, waiting for its lower pass and its store transaction. */
export interface PendingDocument {
  item: WorkItem;
  /** Size and mtime when it was read: a file changed since is re-queued, not stored. */
  size: number;
  mtimeMs: number;
  /** The record stored before (for the failure bookkeeping). */
  stored: DocumentRecord | undefined;
  prepared: PreparedDocument;
}

const isFinal = (status: string) => status === 'done' || status === 'failed' || status === 'skipped';

/**
 * The fast pre-check: a final record with the same size and mtime (and the same verdict of the
 * size cap) is current without reading the file.
 */
export function isCurrent(doc: DocumentRecord, size: number, mtimeMs: number, settings: Pick<IndexSettings, 'maxFileBytes' | 'ocr'>): boolean {
  const isTooLarge = size > settings.maxFileBytes;
  const wasTooLarge = doc.code === 'FILE_TOO_LARGE';
  return isFinal(doc.status) && doc.size === size && doc.mtimeMs === mtimeMs && isTooLarge === wasTooLarge && !awaitsOcr(doc, settings.ocr);
}

/**
 * No text was found while OCR was off (a scan, an image): once OCR is on it is read again. With
 * OCR turned off nothing is read again: what OCR read stays.
 */
function awaitsOcr(doc: DocumentRecord, ocr: boolean | undefined): boolean {
  return ocr !== false && doc.code === 'EXTRACT_EMPTY' && doc.ocrOn !== true;
}

/**
 * Looks at one path on disk and brings the store in line with it where that needs no lower
 * pass: gone → removed; same bytes (sha256) → kept; failed/skipped with a reason. Otherwise
 * returns it extracted and cut, for lowerPending. Never throws for a document's own problems.
 */
export async function prepareSync(item: WorkItem, ctx: SyncContext): Promise<PendingDocument | undefined> {
  const { path, folder } = item;
  const { store, settings } = ctx.runtime;
  const before = await lstat(path).catch(() => undefined);
  const doc = store.getDocument(path);
  // The scan's own records (a name that is not UTF-8, an unreadable folder) stay while true.
  if (doc && (await isStillAProblem(path, doc.code))) return;
  if (before && !before.isFile() && !before.isDirectory() && isIndexablePath(folder, path)) {
    return void (await fail(ctx, { path, folder, size: 0, mtimeMs: before.mtimeMs, sha256: '' }, doc, notRegular(before)));
  }
  if (!before?.isFile() || !isIndexablePath(folder, path)) {
    await forget(ctx, path, doc);
    if (!before) ctx.vanished?.(item);
    return;
  }
  if (!ctx.readingAhead) ctx.tracker.current = { ...item, size: before.size };
  const file = { path, folder, size: before.size, mtimeMs: before.mtimeMs, sha256: '' };
  if (doc && isCurrent(doc, file.size, file.mtimeMs, settings)) return;
  if (file.size > settings.maxFileBytes) return void (await fail(ctx, file, doc, tooLarge(file.size, settings.maxFileBytes)));

  try {
    file.sha256 = await sha256File(path, ctx.signal);
    if (doc && isFinal(doc.status) && doc.sha256 === file.sha256 && !awaitsOcr(doc, settings.ocr)) return void (await keep(ctx, doc, file));
    // OCR is the slow step of a scan: its page count shows beside the file, even one read ahead.
    const onStep = (text: string) => ctx.step(item, text);
    const chunkWindows = runtimeChunkWindows(ctx.runtime);
    const prepared = await prepareDocument(file, { tokenizer: ctx.runtime.tokenizer, settings, signal: ctx.signal, onStep, chunkWindows }).finally(() =>
      ctx.endStep(item),
    );
    return { item, size: before.size, mtimeMs: before.mtimeMs, stored: doc, prepared };
  } catch (err) {
    await failPending(ctx, { item, size: before.size, mtimeMs: before.mtimeMs, stored: doc, file }, err);
  }
}

/**
 * Lower pass over several prepared documents in shared batches. Returns their store commit
 * (ONE transaction; a crash leaves each document wholly present or absent), which the caller may
 * run while the next documents encode. When the lower pass throws, each document is encoded
 * alone so only the one the engine rejects is recorded as failed. A document of more than
 * one chunk of windows is streamed and stored here instead (streamPending).
 */
export async function lowerPending(all: PendingDocument[], ctx: SyncContext): Promise<() => Promise<void>> {
  for (const p of all.filter((d) => d.prepared.more)) {
    await streamPending(p, ctx);
    ctx.settled(p.item);
  }
  const pending = all.filter((d) => !d.prepared.more);
  if (pending.length === 0) return async () => {};
  let states: LowerStates[][];
  try {
    const onDocument = (doc: number) => ctx.lowered(pending[doc].item);
    const onWorking = (doc: number) => ctx.working({ ...pending[doc].item, size: pending[doc].size });
    states = await lowerDocuments(pending.map((p) => p.prepared.windows), { ...lowerContext(ctx), onDocument, onWorking });
  } catch (err) {
    if (pending.length > 1 && !ctx.signal.aborted) {
      for (const p of pending) await (await lowerPending([p], ctx))();
    } else {
      // Cancelled (nothing is recorded) or the one document the engine rejects.
      await failPending(ctx, { ...pending[0], file: pending[0].prepared.file }, err);
      for (const p of pending) ctx.settled(p.item);
    }
    return async () => {};
  }
  return async () => {
    await commitPending(pending, states, ctx);
    for (const p of pending) ctx.settled(p.item);
  };
}

/**
 * The documents still wanted and unchanged since they were read, in ONE store transaction (one
 * commit instead of one per document; each is still wholly present or absent). When that write
 * throws, each is written alone so only the document at fault is recorded as failed.
 */
async function commitPending(pending: PendingDocument[], states: LowerStates[][], ctx: SyncContext): Promise<void> {
  const ready: Array<{ p: PendingDocument; write: DocumentWrite }> = [];
  for (const [i, p] of pending.entries()) {
    if (ctx.signal.aborted) return;
    if (!ctx.isWanted(p.item) || (await changedSince(ctx, p.item, p.size, p.mtimeMs))) continue;
    ready.push({ p, write: documentWrite(p.prepared, states[i]) });
  }
  if (ready.length === 0 || ctx.signal.aborted) return;
  try {
    await ctx.runtime.store.writeDocuments(ready.map((r) => r.write));
  } catch (err) {
    if (ready.length === 1) return failPending(ctx, { ...ready[0].p, file: ready[0].p.prepared.file }, err);
    for (const { p, write } of ready) await commitPending([p], [write.states], ctx);
    return;
  }
  for (const { p, write } of ready) {
    ctx.tracker.setStatus(p.item.path, p.item.folder, 'done');
    ctx.tracker.recordDocument(p.size, write.doc.documentTokens ?? 0);
    const tokens = write.passages.reduce((sum, passage) => sum + passage.tokenCount, 0);
    ctx.emit({ type: 'documentIndexed', path: p.item.path, passages: write.passages.length, tokens });
  }
}

function lowerContext(ctx: SyncContext): LowerContext {
  const { engine, settings } = ctx.runtime;
  return { engine, batchSize: settings.batchSize, signal: ctx.signal, beforeBatch: ctx.beforeBatch, onBatch: ctx.onBatch };
}

/**
 * A document too big for one transaction: a chunk of windows at a time through the lower pass
 * into their own store transaction, under a new generation (the next chunk encodes while one is
 * written), then the record flips to them in one transaction. Memory holds about two chunks
 * whatever the document's size; readers see the old document until the flip. A failure,
 * cancellation or change of the file abandons what was written.
 */
async function streamPending(p: PendingDocument, ctx: SyncContext): Promise<void> {
  const { store } = ctx.runtime;
  const { file, text } = p.prepared;
  const generation = nextGeneration(file.sha256, store.getDocument(file.path)?.generation);
  const tokens = new DocumentTokenCounter();
  const passageIds: string[] = [];
  let stored = 0;
  let isSettled = false;
  let writing: Promise<void> = Promise.resolve();
  try {
    await store.beginDocument(file.path, generation);
    const chunkWindows = runtimeChunkWindows(ctx.runtime);
    for (let chunk = p.prepared.windows; chunk.length > 0; chunk = nextWindows(p.prepared.more!, chunkWindows)) {
      ctx.step(p.item, passageStep(passageIds.length, text.length, chunk));
      const [states] = await lowerDocuments([chunk], lowerContext(ctx));
      const passages = chunk.map((w) => passageRecord(file.path, text, w, generation));
      for (const w of chunk) tokens.add(w);
      for (const passage of passages) passageIds.push(passage.id);
      stored += passages.reduce((sum, passage) => sum + passage.tokenCount, 0);
      await writing;
      writing = store.writePassages({ docPath: file.path, generation, passages, states });
      writing.catch(() => {}); // awaited before the next write or below
    }
    await writing;
    if (ctx.signal.aborted || !ctx.isWanted(p.item) || (await changedSince(ctx, p.item, p.size, p.mtimeMs))) return;
    await store.finishDocument(documentRecord(p.prepared, passageIds, tokens.count, generation));
    isSettled = true;
  } catch (err) {
    await writing.catch(() => {});
    await store.abandonDocument(file.path, generation);
    isSettled = true;
    return failPending(ctx, { ...p, file }, err);
  } finally {
    if (!isSettled) await store.abandonDocument(file.path, generation);
  }
  ctx.tracker.setStatus(p.item.path, p.item.folder, 'done');
  ctx.tracker.recordDocument(p.size, tokens.count);
  ctx.emit({ type: 'documentIndexed', path: p.item.path, passages: passageIds.length, tokens: stored });
}

/** Windows per chunk of a streamed document for this runtime's model and window size. */
function runtimeChunkWindows(runtime: Runtime): number {
  return chunkWindowsFor(runtime.settings.windowTokens, runtime.engine?.config.hidden);
}

/**
 * "passage 256 of about 900": a long document is cut as it streams, so its passage count is
 * estimated from the characters the windows cut so far cover.
 */
export function passageStep(done: number, textLength: number, chunk: PassageWindow[]): string {
  const first = chunk[0].charStart;
  const last = chunk[chunk.length - 1].charStart;
  // Windows overlap: a passage advances by the distance between window starts.
  const stride = chunk.length > 1 ? (last - first) / (chunk.length - 1) : 0;
  const after = stride > 0 ? Math.ceil((textLength - chunk[chunk.length - 1].charEnd) / stride) : 0;
  return `passage ${done + 1} of about ${done + chunk.length + Math.max(0, after)}`;
}

/** A document's own problem: recorded as failed unless the work was cancelled or the file changed. */
async function failPending(
  ctx: SyncContext,
  p: { item: WorkItem; size: number; mtimeMs: number; stored: DocumentRecord | undefined; file: FileOnDisk },
  err: unknown,
): Promise<void> {
  if (ctx.signal.aborted || !ctx.isWanted(p.item)) return;
  if (await changedSince(ctx, p.item, p.size, p.mtimeMs)) return;
  await fail(ctx, p.file, p.stored, failureOf(err));
}

/** A file deleted or rewritten while it was read: forget or re-queue it instead of storing stale work. */
async function changedSince(ctx: SyncContext, item: WorkItem, size: number, mtimeMs: number): Promise<boolean> {
  const now = await lstat(item.path).catch(() => undefined);
  if (!now?.isFile()) {
    await forget(ctx, item.path, ctx.runtime.store.getDocument(item.path));
    return true;
  }
  if (now.size === size && now.mtimeMs === mtimeMs) return false;
  ctx.requeue({ ...item, size: now.size });
  return true;
}

/**
 * Same bytes as the stored document: nothing to encode. The record still takes the new size
 * and mtime so the next start-up's fast check passes; its passages stay as they are (touching
 * only the record keeps memory flat for a document of any size).
 */
async function keep(ctx: SyncContext, doc: DocumentRecord, file: { size: number; mtimeMs: number }): Promise<void> {
  ctx.tracker.setStatus(doc.path, doc.folder, doc.status);
  const { store } = ctx.runtime;
  if (doc.status !== 'done') return store.putDocumentStatus({ ...doc, size: file.size, mtimeMs: file.mtimeMs });
  await store.touchDocument(doc.path, file);
}

async function forget(ctx: SyncContext, path: string, doc: DocumentRecord | undefined): Promise<void> {
  ctx.tracker.forget(path);
  if (!doc) return;
  await ctx.runtime.store.removeDocument(path);
  ctx.emit({ type: 'documentRemoved', path });
}

async function fail(
  ctx: SyncContext,
  file: { path: string; folder: string; size: number; mtimeMs: number; sha256: string },
  doc: DocumentRecord | undefined,
  failure: Failure,
): Promise<void> {
  const isOcrOn = ctx.runtime.settings.ocr !== false;
  const isSame = doc && doc.status === failure.status && doc.code === failure.code && doc.reason === failure.reason && (doc.ocrOn === true) === isOcrOn;
  if (!isSame || doc.size !== file.size || doc.mtimeMs !== file.mtimeMs) {
    await ctx.runtime.store.putDocumentStatus({
      path: file.path,
      folder: file.folder,
      sha256: file.sha256,
      size: file.size,
      mtimeMs: file.mtimeMs,
      status: failure.status,
      code: failure.code,
      reason: failure.reason,
      passageIds: [],
      ...(isOcrOn ? { ocrOn: true } : {}),
      indexedAt: Date.now(),
    });
  }
  ctx.tracker.setStatus(file.path, file.folder, failure.status);
  ctx.emit({ type: 'documentFailed', path: file.path, ...failure });
}
