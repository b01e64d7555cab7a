import { DeskError } from '../errors';
import { planBatches } from '../model/engine-inputs';
import type { LowerEncoder, LowerStates, Tokenizer } from '../model/types';
import { passageId } from '../store/cache-key';
import type { DocumentRecord, DocumentWrite, PassageRecord } from '../store/types';
import { extractText } from '../text/extract';
import { passageWindows } from '../text/passages';
import type { PassageWindow } from '../text/types';
import type { IndexSettings } from './types';

/** A file as the worker found it on disk, before it is read. */
export interface FileOnDisk {
  path: string;
  folder: string;
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** What cutting a document into passages needs from the library. */
export interface PrepareContext {
  tokenizer: Tokenizer;
  settings: IndexSettings;
  signal: AbortSignal;
  /** Steps inside one document worth showing ("OCR page 12/40"). */
  onStep?(message: string): void;
  /** Windows per chunk of a streamed document (chunkWindowsFor). */
  chunkWindows: number;
}

/** What the lower pass over passages needs from the library. */
export interface LowerContext {
  /** null: no model installed, passages and terms are written without lower states. */
  engine: LowerEncoder | null;
  batchSize: number;
  signal: AbortSignal;
  /** Awaited before each lower-pass batch: pause() holds the pipeline here. */
  beforeBatch(): Promise<void>;
  /** `tokens` passage tokens were encoded (or cut, without a model). */
  onBatch(tokens: number): void;
  /** Every window of `documents[doc]` is through the lower pass (progress counts files as they finish). */
  onDocument?(doc: number): void;
  /** The batch now in the lower pass starts with a window of `documents[doc]` (progress's current file). */
  onWorking?(doc: number): void;
}

/**
 * A document of more windows than one chunk streams through the lower pass into several store
 * transactions (sync-document.ts streamPending), a chunk at a time, so its states never sit in
 * memory at once. A chunk is sized by the fp32 states it holds, not by a window count: two chunks
 * are alive at once (one lowered while the one before is written), and 128 windows of 384 tokens
 * at hidden 768 were 151 MB each. 32 MB is 28 such windows: one commit per 5–10 s of lower pass
 * on 2 cores, and fewer B-tree pages dirtied per transaction (LMDB keeps the most it ever dirtied).
 */
export const chunkStateBytes = 32 * 2 ** 20;
/** The most windows in a chunk (a model with small states, or none: passages and terms only). */
export const maxChunkWindows = 128;

/** Windows per chunk for windows of `windowTokens` at width `hidden` (undefined: no model, no states). */
export function chunkWindowsFor(windowTokens: number, hidden: number | undefined): number {
  if (hidden === undefined) return maxChunkWindows;
  const windowBytes = windowTokens * hidden * Float32Array.BYTES_PER_ELEMENT;
  return Math.max(1, Math.min(maxChunkWindows, Math.floor(chunkStateBytes / windowBytes)));
}

/** A document extracted and cut into passage windows, waiting for its lower pass. */
export interface PreparedDocument {
  file: FileOnDisk;
  text: string;
  encoding?: string;
  warnings: string[];
  /** Pages read by OCR, and whether OCR was on for this read (the record keeps both). */
  ocrPages?: number;
  isOcrOn: boolean;
  /** Its first windows: all of them, unless `more` is set. */
  windows: PassageWindow[];
  /** A document of more than one chunk of windows: the rest, cut on demand. */
  more?: Iterator<PassageWindow>;
}

/**
 * The indexing recipe, in two steps so several documents can share lower-pass batches:
 * prepareDocument (extract → cut passages), then lowerDocuments, then documentWrite builds the
 * whole document for ONE store transaction. Nothing is written here, so a crash or an error
 * midway leaves the store as it was.
 */

/**
 * Extract → cut passages (the first ctx.chunkWindows of them; `more` cuts the rest on demand).
 * Throws DeskError (EXTRACT_EMPTY when there is no text).
 */
export async function prepareDocument(file: FileOnDisk, ctx: PrepareContext): Promise<PreparedDocument> {
  const { settings, signal, chunkWindows } = ctx;
  const ocr = settings.ocr === false ? undefined : { onProgress: ctx.onStep };
  const extracted = await extractText(file.path, { maxBytes: settings.maxFileBytes, signal, ocr });
  throwIfCancelled(signal);
  const cut = passageWindows({ text: extracted.text, pages: extracted.pages }, ctx.tokenizer, {
    windowTokens: settings.windowTokens,
    overlapTokens: settings.overlapTokens,
  });
  const windows = nextWindows(cut, chunkWindows + 1);
  if (windows.length === 0) throw new DeskError('EXTRACT_EMPTY', 'no text to index');
  const prepared = { file, text: extracted.text, encoding: extracted.encoding, warnings: extracted.warnings, ocrPages: extracted.ocrPages, isOcrOn: ocr !== undefined, windows };
  if (windows.length <= chunkWindows) return prepared;
  return { ...prepared, windows: windows.slice(0, chunkWindows), more: withFirst(windows[chunkWindows], cut) };
}

/** Up to `count` more windows from `windows`. */
export function nextWindows(windows: Iterator<PassageWindow>, count: number): PassageWindow[] {
  const out: PassageWindow[] = [];
  while (out.length < count) {
    const next = windows.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

function* withFirst<T>(first: T, rest: Iterator<T>): Generator<T> {
  yield first;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/**
 * The lower pass over the windows of several documents at once, in batches of windows of
 * similar length across documents (planBatches): fewer, less padded batches than one document at a time. Lower
 * states do not depend on the batch a window rides in, so the result is the same as encoding
 * each document alone. Returns each document's states in window order ([] without a model).
 */
export async function lowerDocuments(documents: PassageWindow[][], ctx: LowerContext): Promise<LowerStates[][]> {
  const all = documents.flatMap((windows, doc) => windows.map((window, index) => ({ window, doc, index })));
  const states: LowerStates[][] = documents.map(() => []);
  const batches = planBatches(all.map(({ window: w }) => w.ids.length), ctx.batchSize).map((b) => b.map((i) => all[i]));
  const left = documents.map((windows) => windows.length);
  const collect = (batch: typeof all, lowered: LowerStates[], next?: typeof all) => {
    if (lowered.length > 0) batch.forEach(({ doc, index }, i) => (states[doc][index] = lowered[i])); // [] without a model
    for (const { doc } of batch) if (--left[doc] === 0) ctx.onDocument?.(doc);
    if (next) ctx.onWorking?.(next[0].doc);
    ctx.onBatch(batch.reduce((sum, { window: w }) => sum + w.ids.length, 0));
  };
  // The next batch is queued before the one running is awaited, so a lower pass running in its
  // own thread (model/thread/engine-thread.ts) never waits for this thread between batches.
  let running: { batch: typeof all; lowered: Promise<LowerStates[]> } | undefined;
  for (const batch of batches) {
    await ctx.beforeBatch();
    throwIfCancelled(ctx.signal);
    const lowered = ctx.engine ? ctx.engine.lowerPassages(batch.map(({ window: w }) => ({ ids: w.ids, offsets: w.offsets }))) : Promise.resolve([]);
    lowered.catch(() => {}); // observed below, or dropped when an earlier batch failed
    if (running) collect(running.batch, await running.lowered, batch);
    else ctx.onWorking?.(batch[0].doc);
    running = { batch, lowered };
  }
  if (running) collect(running.batch, await running.lowered);
  return states;
}

/** The document, its passages and their lower states, for ONE store transaction. */
export function documentWrite(prepared: PreparedDocument, states: LowerStates[]): DocumentWrite {
  const { file, text, windows } = prepared;
  const passages = windows.map((w) => passageRecord(file.path, text, w));
  const doc = documentRecord(prepared, passages.map((p) => p.id), documentTokens(windows));
  return { doc, passages, states };
}

/** The 'done' record of a prepared document whose passages are `passageIds`. */
export function documentRecord(prepared: PreparedDocument, passageIds: string[], tokens: number, generation?: string): DocumentRecord {
  const { file, text } = prepared;
  return {
    path: file.path,
    folder: file.folder,
    sha256: file.sha256,
    size: file.size,
    mtimeMs: file.mtimeMs,
    status: 'done',
    textLength: text.length,
    documentTokens: tokens,
    passageIds,
    generation,
    encoding: prepared.encoding,
    warnings: prepared.warnings.length > 0 ? prepared.warnings : undefined,
    ...(prepared.ocrPages ? { ocrPages: prepared.ocrPages } : {}),
    ...(prepared.isOcrOn ? { ocrOn: true } : {}),
    indexedAt: Date.now(),
  };
}

/** The stored passage of window `w` (ids under `generation` when the document is written in chunks). */
export function passageRecord(docPath: string, text: string, w: PassageWindow, generation?: string): PassageRecord {
  return {
    id: passageId(docPath, w.index, generation),
    docPath,
    index: w.index,
    text: text.slice(w.charStart, w.charEnd),
    charStart: w.charStart,
    charEnd: w.charEnd,
    page: w.page,
    ...(w.pageBreaks ? { pageBreaks: w.pageBreaks } : {}),
    tokenCount: w.ids.length,
    ids: Array.from(w.ids),
    offsets: w.offsets,
  };
}

/**
 * Tokens of the document before windowing: windows overlap, so each window adds only the
 * tokens that start after the previous window's last token ended ([SEP] has no span).
 */
export function documentTokens(windows: PassageWindow[]): number {
  const counter = new DocumentTokenCounter();
  for (const w of windows) counter.add(w);
  return counter.count;
}

/** documentTokens over windows seen one chunk at a time, in order. */
export class DocumentTokenCounter {
  count = 0;
  private coveredTo = -1;

  add(w: PassageWindow): void {
    for (const [start, end] of w.offsets) {
      if (start < 0 || start < this.coveredTo) continue;
      this.count++;
      this.coveredTo = Math.max(this.coveredTo, end, start + 1);
    }
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new DeskError('CANCELLED', 'indexing of this document was cancelled');
}
