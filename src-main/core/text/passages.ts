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
 * O text tokens (stride W − 1 − O), so every token is in at least one window. A window whose
 * natural start falls inside a word starts up to WORD_START_LOOKBACK tokens earlier at that
 * word's start, overlapping a little more.
 */
export function cutPassages(
  doc: { text: string; pages?: ExtractedText['pages'] },
  tokenizer: Tokenizer,
  opts: PassageOptions,
): PassageWindow[] {
  return Array.from(passageWindows(doc, tokenizer, opts));
}

/** Chars tokenized at a time by passageWindows: the tokens of a 50 MB line never exist at once. */
export const TOKENIZE_CHUNK_CHARS = 1 << 18;
/** How far back from a chunk's end a cut looks for whitespace, so no word is cut in two. */
const CUT_LOOKBACK_CHARS = 1 << 16;

/**
 * cutPassages one window at a time, with memory bounded by a window and one tokenized chunk of
 * text whatever the document's length. The text is tokenized in pieces that end at whitespace
 * (the pre-tokenizer splits there anyway, so the tokens are the same as tokenizing it whole); a
 * run of more than CUT_LOOKBACK_CHARS without whitespace is cut where it is (such a "word" is
 * [UNK] to every tokenizer we load either way).
 */
export function* passageWindows(
  doc: { text: string; pages?: ExtractedText['pages'] },
  tokenizer: Tokenizer,
  opts: PassageOptions,
  chunkChars = TOKENIZE_CHUNK_CHARS,
): Generator<PassageWindow> {
  const textTokens = opts.windowTokens - 1;
  const stride = textTokens - opts.overlapTokens;
  if (!Number.isInteger(textTokens) || textTokens < 1 || opts.overlapTokens < 0 || stride < 1) {
    throw new RangeError(`bad passage window: W=${opts.windowTokens}, O=${opts.overlapTokens} (need 0 ≤ O < W − 1)`);
  }
  const tokens = new TokenStream(doc.text, tokenizer, chunkChars);
  const pageOf = pageLookup(doc.pages);
  const breaks = (doc.pages ?? []).filter((p) => p.charEnd > p.charStart).map(({ page, charStart }) => ({ page, charStart }));
  let firstBreak = 0; // windows move forward: breaks before this one start before every later window
  let index = 0;
  for (let start = 0; tokens.has(start); ) {
    const end = tokens.has(start + textTokens) ? start + textTokens : tokens.length;
    const windowOffsets = tokens.offsetsIn(start, end);
    const segment = tokenizer.passageSegment(tokens.idsIn(start, end), windowOffsets);
    const charStart = windowOffsets[0][0];
    const charEnd = windowOffsets[windowOffsets.length - 1][1];
    while (firstBreak < breaks.length && breaks[firstBreak].charStart <= charStart) firstBreak++;
    const pageBreaks: PageBreak[] = [];
    for (let i = firstBreak; i < breaks.length && breaks[i].charStart < charEnd; i++) pageBreaks.push(breaks[i]);
    yield {
      index: index++,
      ids: segment.ids,
      offsets: segment.offsets,
      charStart,
      charEnd,
      page: pageOf(charStart),
      ...(pageBreaks.length > 0 ? { pageBreaks } : {}),
    };
    if (end === tokens.length) break;
    const next = start + stride;
    const maxBack = Math.min(WORD_START_LOOKBACK, stride - 1);
    tokens.has(next); // loads the chunk holding `next`
    tokens.dropBefore(next - maxBack - 1);
    start = wordStartAtOrBefore((i) => tokens.offsetAt(i), next, maxBack);
  }
}

/**
 * A document's tokens, tokenized a chunk of text at a time on demand and dropped once no
 * window can reach back to them. Indices are positions in the whole document's token sequence.
 */
class TokenStream {
  private ids: number[] = [];
  private offsets: Array<[number, number]> = [];
  /** Document token index of ids[0]. */
  private first = 0;
  /** Chars of the text tokenized so far. */
  private charsDone = 0;

  constructor(
    private readonly text: string,
    private readonly tokenizer: Tokenizer,
    private readonly chunkChars: number,
  ) {}

  /** Tokens seen so far; the document's token count once the text is used up. */
  get length(): number {
    return this.first + this.ids.length;
  }

  /** Whether token `i` exists, tokenizing further chunks until it is known. */
  has(i: number): boolean {
    while (i >= this.length && this.charsDone < this.text.length) this.tokenizeNext();
    return i < this.length;
  }

  idsIn(start: number, end: number): Int32Array {
    return Int32Array.from(this.ids.slice(start - this.first, end - this.first));
  }

  offsetsIn(start: number, end: number): Array<[number, number]> {
    return this.offsets.slice(start - this.first, end - this.first);
  }

  offsetAt(i: number): [number, number] {
    return this.offsets[i - this.first];
  }

  dropBefore(i: number): void {
    const drop = Math.min(i - this.first, this.ids.length);
    if (drop < 1 << 12) return; // splice in runs, not per window
    this.ids.splice(0, drop);
    this.offsets.splice(0, drop);
    this.first += drop;
  }

  private tokenizeNext(): void {
    const from = this.charsDone;
    const to = cutPoint(this.text, from, this.chunkChars);
    const piece = this.tokenizer.tokenize(this.text.slice(from, to)); // [tokens]
    for (let t = 0; t < piece.ids.length; t++) {
      this.ids.push(piece.ids[t]);
      this.offsets.push([piece.offsets[t][0] + from, piece.offsets[t][1] + from]);
    }
    this.charsDone = to;
  }
}

/** Where the chunk from `from` ends: after the last whitespace before from + chunkChars, or the text's end. */
function cutPoint(text: string, from: number, chunkChars: number): number {
  const limit = from + chunkChars;
  if (limit >= text.length) return text.length;
  for (let i = limit; i > limit - CUT_LOOKBACK_CHARS && i > from; i--) {
    if (isSpace(text.charCodeAt(i - 1))) return i;
  }
  return isLowSurrogate(text.charCodeAt(limit)) ? limit + 1 : limit;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** A token continues a word when it starts exactly where the previous one ended. */
function isWordStart(offsetAt: (i: number) => [number, number], i: number): boolean {
  return i === 0 || offsetAt(i)[0] !== offsetAt(i - 1)[1];
}

/** The nearest word start in [i − maxBack, i], or i itself when none is that close. */
function wordStartAtOrBefore(offsetAt: (i: number) => [number, number], i: number, maxBack: number): number {
  for (let j = i; j >= i - maxBack; j--) {
    if (isWordStart(offsetAt, j)) return j;
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
