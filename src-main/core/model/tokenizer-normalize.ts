/**
 * BertNormalizer with a map back to the original text.
 *
 * The library normalises a whole string at once and keeps no alignment, so we redo its
 * steps one code point at a time and record, for every UTF-16 unit of the normalised
 * text, the [start, end) span of the original code point it came from. The steps follow
 * @huggingface/tokenizers 0.2.0 exactly (not Python): clean_text, CJK padding per UTF-16
 * unit (so astral ideographs are not padded), String.toLowerCase, NFD, drop \p{Mn}.
 *
 * Two things differ between "per code point" and "whole string": the contextual final
 * sigma of toLowerCase and NFD's reordering of combining marks. Both stay inside a
 * whitespace-delimited chunk, so every chunk holding a non-ASCII character is also run
 * through the library's own normaliser and its output wins (see `emitChunk`).
 */

/** What BertNormalizer does, read from tokenizer.json the way the library reads it. */
export interface NormalizerSettings {
  cleanText: boolean;
  handleChineseChars: boolean;
  lowercase: boolean;
  stripAccents: boolean;
}

/** Normalised text and, for each of its UTF-16 units, the original span it came from. */
export interface NormalizedText {
  text: string;
  start: Int32Array; // [normalizedUnits] original start of the source code point
  end: Int32Array; // [normalizedUnits] original end of the source code point
  /** 1 where our normalisation disagreed with the library's in length: span = whole chunk. */
  isApprox: Uint8Array; // [normalizedUnits]
}

// Same regexes as the library, so Unicode-version details agree with it.
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const WHITESPACE = /^\s$/;
const MARKS = /\p{Mn}/gu;
const ASCII_WHITESPACE = /[\t\n\r]/g;

const SPACE = 0x20;
const FAST = 1; // printable ASCII, tab, LF, CR: normalised with one slice + toLowerCase
const BOUNDARY = 2; // separates chunks: a space after cleaning
const CJK = 4; // padded with spaces by handle_chinese_chars, so also a boundary

/** The library's is_chinese_char, applied (as it does) to single UTF-16 units. */
function isChineseUnit(cu: number): boolean {
  return (cu >= 0x4e00 && cu <= 0x9fff) || (cu >= 0x3400 && cu <= 0x4dbf) || (cu >= 0xf900 && cu <= 0xfaff);
}

const classTables = new Map<string, Uint8Array>();

/** Per-unit classes for these settings; built once per process (65,536 regex tests). */
function classTable(settings: NormalizerSettings): Uint8Array {
  const key = `${settings.cleanText}/${settings.handleChineseChars}`;
  const cached = classTables.get(key);
  if (cached) return cached;
  const table = new Uint8Array(0x10000);
  for (let cu = 0; cu < 0x10000; cu++) {
    const ch = String.fromCharCode(cu);
    let cls = 0;
    if ((cu >= 0x20 && cu <= 0x7e) || cu === 9 || cu === 10 || cu === 13) cls |= FAST;
    // clean_text drops VT, FF and U+FEFF as controls before it maps white space to ' '.
    const isDropped = settings.cleanText && (cu === 0x0b || cu === 0x0c || cu === 0xfeff);
    if (WHITESPACE.test(ch) && !isDropped) cls |= BOUNDARY;
    if (settings.handleChineseChars && isChineseUnit(cu)) cls |= CJK;
    table[cu] = cls;
  }
  classTables.set(key, table);
  return table;
}

/** Grows typed arrays as normalised units are appended. */
class Builder {
  parts: string[] = [];
  length = 0;
  /** Last normalised unit appended, or -1: a dropped char only joins a preceding non-space. */
  lastUnit = -1;
  start: Int32Array;
  end: Int32Array;
  isApprox: Uint8Array;

  /** `expected`: the original length, which normalised text rarely exceeds by much. */
  constructor(expected: number) {
    const size = Math.max(16, expected + (expected >> 3));
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
    this.isApprox = new Uint8Array(size);
  }

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.start.length) return;
    let size = this.start.length * 2;
    while (size < need) size *= 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.start = grow(this.start, new Int32Array(size));
    this.end = grow(this.end, new Int32Array(size));
    this.isApprox = grow(this.isApprox, new Uint8Array(size));
  }

  finish(): NormalizedText {
    const n = this.length;
    return {
      text: this.parts.join(''),
      start: this.start.subarray(0, n),
      end: this.end.subarray(0, n),
      isApprox: this.isApprox.subarray(0, n),
    };
  }
}

/** Normalises slices of text like the library's BertNormalizer, keeping char origins. */
export class BertNormalization {
  private readonly table: Uint8Array;
  private readonly codePointCache = new Map<string, string>();
  private readonly chunkCache = new Map<string, string>();

  constructor(
    private readonly settings: NormalizerSettings,
    /** The library's normaliser: the truth for every chunk that is not plain ASCII. */
    private readonly libNormalize: (text: string) => string,
  ) {
    this.table = classTable(settings);
  }

  /** Normalises text[from, to); offsets in the result are absolute indices into `text`. */
  normalize(text: string, from: number, to: number): NormalizedText {
    const out = new Builder(to - from);
    const table = this.table;
    let runStart = from;
    let i = from;
    while (i < to) {
      const cls = table[text.charCodeAt(i)];
      if (cls & FAST) {
        i++;
        continue;
      }
      if (cls & (BOUNDARY | CJK)) {
        // A lone separator: nothing around it depends on it, no chunk to verify.
        this.emitFast(out, text, runStart, i);
        i = this.emitCodePoint(out, text, i, to);
        runStart = i;
        continue;
      }
      let chunkStart = i;
      while (chunkStart > runStart && !(table[text.charCodeAt(chunkStart - 1)] & BOUNDARY)) chunkStart--;
      let chunkEnd = i;
      while (chunkEnd < to && !(table[text.charCodeAt(chunkEnd)] & (BOUNDARY | CJK))) chunkEnd++;
      this.emitFast(out, text, runStart, chunkStart);
      this.emitChunk(out, text, chunkStart, chunkEnd);
      i = runStart = chunkEnd;
    }
    this.emitFast(out, text, runStart, to);
    return out.finish();
  }

  /** Printable ASCII and tab/LF/CR: the only changes are case and white space to ' '. */
  private emitFast(out: Builder, text: string, from: number, to: number): void {
    if (to <= from) return;
    let s = text.slice(from, to);
    if (this.settings.lowercase) s = s.toLowerCase();
    if (this.settings.cleanText) s = s.replace(ASCII_WHITESPACE, ' ');
    const n = to - from;
    out.reserve(n);
    const base = out.length;
    for (let k = 0; k < n; k++) {
      out.start[base + k] = from + k;
      out.end[base + k] = from + k + 1;
    }
    out.parts.push(s);
    out.length += n;
    out.lastUnit = s.charCodeAt(n - 1);
  }

  /** One code point of text[.., to), normalised on its own; returns the index after it. */
  private emitCodePoint(out: Builder, text: string, i: number, to: number): number {
    const width = codePointWidth(text, i, to);
    const s = this.normalizeCodePoint(text.slice(i, i + width));
    if (s.length === 0) {
      // A dropped combining mark, zero-width or control char belongs to the char before it:
      // "cafe\u0301" must give "café", not "cafe", as the token's text.
      if (out.lastUnit !== -1 && out.lastUnit !== SPACE) {
        // Every unit of the previous code point (a Hangul syllable has 2-3) ends after it.
        const from = out.start[out.length - 1];
        for (let k = out.length - 1; k >= 0 && out.start[k] === from; k--) out.end[k] = i + width;
      }
      return i + width;
    }
    out.reserve(s.length);
    for (let k = 0; k < s.length; k++) {
      out.start[out.length + k] = i;
      out.end[out.length + k] = i + width;
    }
    out.parts.push(s);
    out.length += s.length;
    out.lastUnit = s.charCodeAt(s.length - 1);
    return i + width;
  }

  /** A whitespace-delimited chunk with something other than printable ASCII in it. */
  private emitChunk(out: Builder, text: string, from: number, to: number): void {
    const base = out.length;
    const partIndex = out.parts.length;
    let isAscii = true;
    for (let i = from; i < to; ) {
      if (text.charCodeAt(i) > 0x7f) isAscii = false;
      i = this.emitCodePoint(out, text, i, to);
    }
    if (isAscii) return; // ASCII controls only: per code point is exactly the library.
    const ours = out.parts.slice(partIndex).join('');
    const theirs = this.libNormalizeChunk(text.slice(from, to));
    if (theirs === ours) return;
    out.parts.length = partIndex;
    out.parts.push(theirs);
    if (theirs.length === ours.length) return; // a substitution (final sigma): our map still fits
    out.length = base;
    out.reserve(theirs.length);
    out.start.fill(from, base, base + theirs.length);
    out.end.fill(to, base, base + theirs.length);
    out.isApprox.fill(1, base, base + theirs.length);
    out.length += theirs.length;
    out.lastUnit = theirs.length > 0 ? theirs.charCodeAt(theirs.length - 1) : -1;
  }

  private libNormalizeChunk(chunk: string): string {
    if (chunk.length > 64) return this.libNormalize(chunk);
    let hit = this.chunkCache.get(chunk);
    if (hit === undefined) {
      if (this.chunkCache.size > 100_000) this.chunkCache.clear();
      hit = this.libNormalize(chunk);
      this.chunkCache.set(chunk, hit);
    }
    return hit;
  }

  /** The library's normaliser applied to one code point. */
  private normalizeCodePoint(ch: string): string {
    let hit = this.codePointCache.get(ch);
    if (hit !== undefined) return hit;
    hit = this.computeCodePoint(ch);
    if (this.codePointCache.size >= 50_000) this.codePointCache.clear();
    this.codePointCache.set(ch, hit);
    return hit;
  }

  private computeCodePoint(ch: string): string {
    const { cleanText, handleChineseChars, lowercase, stripAccents } = this.settings;
    let s = ch;
    if (cleanText) {
      const cu = s.charCodeAt(0);
      const isKeptControl = s === '\t' || s === '\n' || s === '\r';
      if (cu === 0 || cu === 0xfffd || (!isKeptControl && CONTROL.test(s))) return '';
      if (WHITESPACE.test(s)) s = ' ';
    }
    if (handleChineseChars && s.length === 1 && isChineseUnit(s.charCodeAt(0))) s = ` ${s} `;
    if (lowercase) s = s.toLowerCase();
    if (stripAccents) s = s.normalize('NFD').replace(MARKS, '');
    return s;
  }
}

/** 2 for a surrogate pair at i inside [.., to), else 1 (a lone surrogate is one code point, as in for..of). */
export function codePointWidth(text: string, i: number, to: number): number {
  const cu = text.charCodeAt(i);
  if (cu >= 0xd800 && cu <= 0xdbff && i + 1 < to) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 2;
  }
  return 1;
}
