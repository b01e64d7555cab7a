import { createHash } from 'node:crypto';
import type { LowerStates, QaEngine, Tokenizer } from '../model/types';
import { defaultSettings } from '../settings';
import { passageId } from '../store/cache-key';
import type { DocumentWrite, PassageRecord } from '../store/types';
import { cutPassages } from '../text/passages';
import type { PassageWindow } from '../text/types';

/**
 * Text already in memory → one store write (passages, lower states, terms), without the indexer's
 * files, queue or extraction. The SQuAD harness, the answer bench and the reader's tests use it.
 */

/** Window W and overlap O in tokens (ARCHITECTURE.md#data-flow defaults). */
export interface WindowSettings {
  windowTokens: number;
  overlapTokens: number;
}

export const defaultWindows: WindowSettings = { windowTokens: defaultSettings.windowTokens, overlapTokens: defaultSettings.overlapTokens };

/** The passage windows of `text`: the same cut the indexer makes. */
export function windowsOf(text: string, tokenizer: Tokenizer, windows: WindowSettings = defaultWindows): PassageWindow[] {
  return cutPassages({ text }, tokenizer, windows);
}

/** A document write for `text` at `path`; `states` come from the engine, or are given (benches). */
export function documentWrite(
  path: string,
  folder: string,
  text: string,
  windows: PassageWindow[],
  states: LowerStates[],
): DocumentWrite {
  const passages: PassageRecord[] = windows.map((w) => ({
    id: passageId(path, w.index),
    docPath: path,
    index: w.index,
    text: text.slice(w.charStart, w.charEnd),
    charStart: w.charStart,
    charEnd: w.charEnd,
    ...(w.page !== undefined ? { page: w.page } : {}),
    ...(w.pageBreaks ? { pageBreaks: w.pageBreaks } : {}),
    tokenCount: w.ids.length,
    ids: Array.from(w.ids),
    offsets: w.offsets,
  }));
  return {
    doc: {
      path,
      folder,
      sha256: createHash('sha256').update(text).digest('hex'),
      size: Buffer.byteLength(text),
      mtimeMs: 0,
      status: 'done',
      textLength: text.length,
      passageIds: passages.map((p) => p.id),
      indexedAt: Date.now(),
    },
    passages,
    states,
  };
}

/** Cuts `text`, runs the engine's lower pass over its windows and returns the write. */
export async function encodeText(
  engine: QaEngine,
  tokenizer: Tokenizer,
  path: string,
  folder: string,
  text: string,
  windows: WindowSettings = defaultWindows,
): Promise<DocumentWrite> {
  const cut = windowsOf(text, tokenizer, windows);
  const states = await engine.lowerPassages(cut.map((w) => ({ ids: w.ids, offsets: w.offsets })));
  return documentWrite(path, folder, text, cut, states);
}
