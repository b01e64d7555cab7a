import { DeskError } from '../errors';
import { planBatches } from '../model/engine-inputs';
import type { LowerEncoder, LowerStates, Tokenizer } from '../model/types';
import { passageId } from '../store/cache-key';
import type { DocumentRecord, DocumentWrite, PassageRecord } from '../store/types';
import { extractText } from '../text/extract';
import { cutPassages } from '../text/passages';
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
}

/** A document extracted and cut into passage windows, waiting for its lower pass. */
export interface PreparedDocument {
  file: FileOnDisk;
  text: string;
  encoding?: string;
  warnings: string[];
  windows: PassageWindow[];
}

/**
 * The indexing recipe, in two steps so several documents can share lower-pass batches:
 * prepareDocument (extract → cut passages), then lowerDocuments, then documentWrite builds the
 * whole document for ONE store transaction. Nothing is written here, so a crash or an error
 * midway leaves the store as it was.
 */

/** Extract → cut passages. Throws DeskError (EXTRACT_EMPTY when there is no text). */
export async function prepareDocument(file: FileOnDisk, ctx: PrepareContext): Promise<PreparedDocument> {
  const { settings, signal } = ctx;
  const ocr = settings.ocr === false ? undefined : { onProgress: ctx.onStep };
  const extracted = await extractText(file.path, { maxBytes: settings.maxFileBytes, signal, ocr });
  throwIfCancelled(signal);
  const windows = cutPassages({ text: extracted.text, pages: extracted.pages }, ctx.tokenizer, {
    windowTokens: settings.windowTokens,
    overlapTokens: settings.overlapTokens,
  });
  if (windows.length === 0) throw new DeskError('EXTRACT_EMPTY', 'no text to index');
  return { file, text: extracted.text, encoding: extracted.encoding, warnings: extracted.warnings, windows };
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
  const collect = (batch: typeof all, lowered: LowerStates[]) => {
    if (lowered.length > 0) batch.forEach(({ doc, index }, i) => (states[doc][index] = lowered[i])); // [] without a model
    ctx.onBatch(batch.reduce((sum, { window: w }) => sum + w.ids.length, 0));
  };
  // The next batch is queued before the one running is awaited, so a lower pass running in its
  // own thread (lower-thread.ts) never waits for this thread between batches.
  let running: { batch: typeof all; lowered: Promise<LowerStates[]> } | undefined;
  for (const batch of batches) {
    await ctx.beforeBatch();
    throwIfCancelled(ctx.signal);
    const lowered = ctx.engine ? ctx.engine.lowerPassages(batch.map(({ window: w }) => ({ ids: w.ids, offsets: w.offsets }))) : Promise.resolve([]);
    lowered.catch(() => {}); // observed below, or dropped when an earlier batch failed
    if (running) collect(running.batch, await running.lowered);
    running = { batch, lowered };
  }
  if (running) collect(running.batch, await running.lowered);
  return states;
}

/** The document, its passages and their lower states, for ONE store transaction. */
export function documentWrite(prepared: PreparedDocument, states: LowerStates[]): DocumentWrite {
  const { file, text, windows } = prepared;
  const passages = windows.map((w) => passageRecord(file.path, text, w));
  const doc: DocumentRecord = {
    path: file.path,
    folder: file.folder,
    sha256: file.sha256,
    size: file.size,
    mtimeMs: file.mtimeMs,
    status: 'done',
    textLength: text.length,
    documentTokens: documentTokens(windows),
    passageIds: passages.map((p) => p.id),
    encoding: prepared.encoding,
    warnings: prepared.warnings.length > 0 ? prepared.warnings : undefined,
    indexedAt: Date.now(),
  };
  return { doc, passages, states };
}

function passageRecord(docPath: string, text: string, w: PassageWindow): PassageRecord {
  return {
    id: passageId(docPath, w.index),
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
  let count = 0;
  let coveredTo = -1;
  for (const w of windows) {
    for (const [start, end] of w.offsets) {
      if (start < 0 || start < coveredTo) continue;
      count++;
      coveredTo = Math.max(coveredTo, end, start + 1);
    }
  }
  return count;
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new DeskError('CANCELLED', 'indexing of this document was cancelled');
}
