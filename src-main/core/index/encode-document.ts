import { DeskError } from '../errors';
import type { QaEngine, Tokenizer } from '../model/types';
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

/** What one document's encode needs from the library. */
export interface EncodeContext {
  tokenizer: Tokenizer;
  /** null: no model installed, passages and terms are written without lower states. */
  engine: QaEngine | null;
  settings: IndexSettings;
  signal: AbortSignal;
  /** Awaited before each lower-pass batch: pause() holds the pipeline here. */
  beforeBatch(): Promise<void>;
  /** `tokens` passage tokens were encoded (or cut, without a model). */
  onBatch(tokens: number): void;
}

/**
 * The indexing recipe for one file: extract → cut passages → lower pass in batches.
 * Returns the whole document for ONE store transaction; nothing is written here, so a crash
 * or an error midway leaves the store as it was. Extraction failures throw DeskError.
 */
export async function encodeDocument(file: FileOnDisk, ctx: EncodeContext): Promise<DocumentWrite> {
  const { settings, signal } = ctx;
  const extracted = await extractText(file.path, { maxBytes: settings.maxFileBytes, signal });
  throwIfCancelled(signal);
  const windows = cutPassages({ text: extracted.text, pages: extracted.pages }, ctx.tokenizer, {
    windowTokens: settings.windowTokens,
    overlapTokens: settings.overlapTokens,
  });
  if (windows.length === 0) throw new DeskError('EXTRACT_EMPTY', 'no text to index');

  const states: DocumentWrite['states'] = [];
  for (let start = 0; start < windows.length; start += settings.batchSize) {
    await ctx.beforeBatch();
    throwIfCancelled(signal);
    const batch = windows.slice(start, start + settings.batchSize);
    if (ctx.engine) states.push(...(await ctx.engine.lowerPassages(batch.map((w) => ({ ids: w.ids, offsets: w.offsets })))));
    ctx.onBatch(batch.reduce((sum, w) => sum + w.ids.length, 0));
  }

  const passages = windows.map((w) => passageRecord(file.path, extracted.text, w));
  const doc: DocumentRecord = {
    path: file.path,
    folder: file.folder,
    sha256: file.sha256,
    size: file.size,
    mtimeMs: file.mtimeMs,
    status: 'done',
    textLength: extracted.text.length,
    documentTokens: documentTokens(windows),
    passageIds: passages.map((p) => p.id),
    encoding: extracted.encoding,
    warnings: extracted.warnings.length > 0 ? extracted.warnings : undefined,
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
