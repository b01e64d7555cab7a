import type { Tokenizer } from '../model/types';
import type { ExtractedText, PageBreak, PassageWindow } from './types';

/** Window sizes in tokens: W counts the trailing [SEP], so a window holds W − 1 text tokens. */
export interface PassageOptions {
  windowTokens: number;
  /** O: text tokens shared by consecutive windows; 0 ≤ O < W − 1. */
  overlapTokens: number;
}

/**
 * How far back a window start may move to land on a word start instead of a word piece.
 * Moving back only adds overlap, so coverage and the ≥ O overlap hold whatever happens.
 */
const WORD_START_LOOKBACK = 3;

/**
 * Cuts a document into token windows `p [SEP]` of at most W tokens, consecutive windows sharing
 * O text tokens (stride W − 1 − O), so every token is in at least one window. The text is
 * tokenized once. A window whose natural start falls inside a word starts up to
 * WORD_START_LOOKBACK tokens earlier at that word's start, overlapping a little more.
 */
export function cutPassages(
  doc: { text: string; pages?: ExtractedText['pages'] },
  tokenizer: Tokenizer,
  opts: PassageOptions,
): PassageWindow[] {
  const textTokens = opts.windowTokens - 1;
  const stride = textTokens - opts.overlapTokens;
  if (!Number.isInteger(textTokens) || textTokens < 1 || opts.overlapTokens < 0 || stride < 1) {
    throw new RangeError(`bad passage window: W=${opts.windowTokens}, O=${opts.overlapTokens} (need 0 ≤ O < W − 1)`);
  }
  const { ids, offsets } = tokenizer.tokenize(doc.text); // [tokens]
  const pageOf = pageLookup(doc.pages);
  const breaks = (doc.pages ?? []).filter((p) => p.charEnd > p.charStart).map(({ page, charStart }) => ({ page, charStart }));
  const windows: PassageWindow[] = [];
  for (let start = 0; start < ids.length; ) {
    const end = Math.min(start + textTokens, ids.length);
    const windowOffsets = offsets.slice(start, end);
    const segment = tokenizer.passageSegment(ids.subarray(start, end), windowOffsets);
    const charStart = windowOffsets[0][0];
    const charEnd = windowOffsets[windowOffsets.length - 1][1];
    const pageBreaks = breaks.filter((b) => b.charStart > charStart && b.charStart < charEnd);
    windows.push({
      index: windows.length,
      ids: segment.ids,
      offsets: segment.offsets,
      charStart,
      charEnd,
      page: pageOf(charStart),
      ...(pageBreaks.length > 0 ? { pageBreaks } : {}),
    });
    if (end === ids.length) break;
    start = wordStartAtOrBefore(offsets, start + stride, Math.min(WORD_START_LOOKBACK, stride - 1));
  }
  return windows;
}

/** A token continues a word when it starts exactly where the previous one ended. */
function isWordStart(offsets: Array<[number, number]>, i: number): boolean {
  return i === 0 || offsets[i][0] !== offsets[i - 1][1];
}

/** The nearest word start in [i − maxBack, i], or i itself when none is that close. */
function wordStartAtOrBefore(offsets: Array<[number, number]>, i: number, maxBack: number): number {
  for (let j = i; j >= i - maxBack; j--) {
    if (isWordStart(offsets, j)) return j;
  }
  return i;
}

/** Maps a char offset to the page whose span contains it (the last page starting at or before it). */
function pageLookup(pages?: ExtractedText['pages']): (char: number) => number | undefined {
  const spans = (pages ?? []).filter((p) => p.charEnd > p.charStart);
  return (char) => {
    let lo = 0;
    let hi = spans.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].charStart <= char) {
        found = spans[mid].page;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * The page of a char offset inside a passage: the last page break at or before it, else the
 * passage's own (start) page. Answers cite the page where the answer starts, not the window's.
 */
export function pageAt(passage: { page?: number; pageBreaks?: PageBreak[] }, char: number): number | undefined {
  let page = passage.page;
  for (const b of passage.pageBreaks ?? []) {
    if (b.charStart <= char) page = b.page;
    else break;
  }
  return page;
}
