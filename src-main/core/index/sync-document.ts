import { lstat } from 'node:fs/promises';
import type { DocumentRecord, PassageRecord } from '../store/types';
import { encodeDocument } from './encode-document';
import { failureOf, tooLarge, type Failure } from './failure';
import { sha256File } from './file-hash';
import { isIndexablePath } from './path-rules';
import type { ProgressTracker } from './progress';
import type { Runtime } from './runtime';
import type { IndexEvent } from './types';
import type { WorkItem } from './work-queue';

/** What bringing one path in line needs from the library. */
export interface SyncContext {
  runtime: Runtime;
  tracker: ProgressTracker;
  /** Aborted when the library closes, reconfigures or drops the folder: the work is thrown away. */
  signal: AbortSignal;
  emit(event: IndexEvent): void;
  /** The file changed while it was read: look at it again later. */
  requeue(item: WorkItem): void;
  /** Awaited before each lower-pass batch (pause holds here). */
  beforeBatch(): Promise<void>;
  onBatch(tokens: number): void;
}

const isFinal = (status: string) => status === 'done' || status === 'failed' || status === 'skipped';

/**
 * The fast pre-check: a final record with the same size and mtime (and the same verdict of the
 * size cap) is current without reading the file.
 */
export function isCurrent(doc: DocumentRecord, size: number, mtimeMs: number, maxFileBytes: number): boolean {
  const isTooLarge = size > maxFileBytes;
  const wasTooLarge = doc.code === 'FILE_TOO_LARGE';
  return isFinal(doc.status) && doc.size === size && doc.mtimeMs === mtimeMs && isTooLarge === wasTooLarge;
}

/**
 * Looks at one path on disk and brings the store in line with it: gone → removed; same bytes
 * (sha256) → kept; otherwise encoded and written in one transaction, or recorded as
 * failed/skipped with a reason. Never throws for a document's own problems.
 */
export async function syncDocument(item: WorkItem, ctx: SyncContext): Promise<void> {
  const { path, folder } = item;
  const { store, settings } = ctx.runtime;
  const before = await lstat(path).catch(() => undefined);
  const doc = store.getDocument(path);
  if (!before?.isFile() || !isIndexablePath(folder, path)) return forget(ctx, path, doc);
  ctx.tracker.current = { ...item, size: before.size };
  const file = { path, folder, size: before.size, mtimeMs: before.mtimeMs, sha256: '' };
  if (doc && isCurrent(doc, file.size, file.mtimeMs, settings.maxFileBytes)) return;
  if (file.size > settings.maxFileBytes) return fail(ctx, file, doc, tooLarge(file.size, settings.maxFileBytes));

  try {
    file.sha256 = await sha256File(path, ctx.signal);
    if (doc && isFinal(doc.status) && doc.sha256 === file.sha256) return keep(ctx, doc, file);
    const write = await encodeDocument(file, {
      tokenizer: ctx.runtime.tokenizer,
      engine: ctx.runtime.engine,
      settings,
      signal: ctx.signal,
      beforeBatch: ctx.beforeBatch,
      onBatch: ctx.onBatch,
    });
    if (await changedSince(ctx, item, before.size, before.mtimeMs)) return;
    await store.writeDocument(write);
    ctx.tracker.setStatus(path, folder, 'done');
    ctx.tracker.recordDocument(file.size, write.doc.documentTokens ?? 0);
    const tokens = write.passages.reduce((sum, p) => sum + p.tokenCount, 0);
    ctx.emit({ type: 'documentIndexed', path, passages: write.passages.length, tokens });
  } catch (err) {
    if (ctx.signal.aborted) return;
    if (await changedSince(ctx, item, before.size, before.mtimeMs)) return;
    await fail(ctx, file, doc, failureOf(err));
  }
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
 * and mtime so the next start-up's fast check passes: failed/skipped records directly; done
 * ones are rewritten with their own passages and states where that is bit-exact (fp32, fp16;
 * int8 would be re-quantised), else the file is simply hashed again next time.
 */
async function keep(ctx: SyncContext, doc: DocumentRecord, file: { size: number; mtimeMs: number }): Promise<void> {
  ctx.tracker.setStatus(doc.path, doc.folder, doc.status);
  const touched = { ...doc, size: file.size, mtimeMs: file.mtimeMs };
  const { store, engine, settings } = ctx.runtime;
  if (doc.status !== 'done') return store.putDocumentStatus(touched);
  if (settings.precision === 'int8') return;
  const passages = doc.passageIds.map((id) => store.getPassage(id));
  if (passages.some((p) => p === undefined)) return;
  const states = engine ? doc.passageIds.map((id) => store.readStates(id)) : [];
  await store.writeDocument({ doc: touched, passages: passages as PassageRecord[], states });
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
  const isSame = doc && doc.status === failure.status && doc.code === failure.code && doc.reason === failure.reason;
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
      indexedAt: Date.now(),
    });
  }
  ctx.tracker.setStatus(file.path, file.folder, failure.status);
  ctx.emit({ type: 'documentFailed', path: file.path, ...failure });
}
