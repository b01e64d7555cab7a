/**
 * Text → word-piece ids with char spans, following the library's encode_text step by step:
 * raw added-token split → BertNormalizer → normalised added-token split → BertPreTokenizer
 * → WordPiece. Word pieces always come from the library's own WordPiece model (so ids are
 * the library's); we only track where each piece's characters came from.
 */
import { SpanSink } from './offsets';
import type { AddedTokenSplitter } from './tokenizer-added';
import type { BertNormalization, NormalizedText } from './tokenizer-normalize';
import { forEachWord } from './tokenizer-words';

/** What encoding needs from a loaded tokenizer.json. */
export interface EncodePipeline {
  normalization: BertNormalization;
  /** Added tokens matched in the raw text. */
  rawSplitter: AddedTokenSplitter;
  /** Added tokens matched in the normalised text. */
  normalizedSplitter: AddedTokenSplitter;
  /** The library's WordPiece model: words → word pieces ('##'-prefixed continuations). */
  wordPieces: (words: string[]) => string[];
  /** Token string → id, as the library's encode maps it. */
  tokenId: (token: string) => number;
  unkId: number;
  continuingPrefix: string;
  /** The library fuses consecutive [UNK]s of one pre-tokenized section when set. */
  fuseUnk: boolean;
}

/** A word's pieces; `ends` are cumulative normalised lengths, null when they do not spell the word. */
interface WordSplit {
  ids: Int32Array; // [pieces]
  ends: Int32Array | null; // [pieces]
}

// Bounds memory (~100 bytes a word); English text rarely has more distinct words than this.
const MAX_CACHED_WORDS = 100_000;

/** Encodes texts with a pipeline; holds a word → pieces cache (words repeat a lot). */
export class OffsetEncoder {
  private readonly wordCache = new Map<string, WordSplit>();

  constructor(private readonly pipeline: EncodePipeline) {}

  /** Word-piece ids of `text` (no specials) and the [start, end) char span of each in `text`. */
  encode(text: string): { ids: Int32Array; offsets: Array<[number, number]> } {
    const { normalization, rawSplitter, normalizedSplitter } = this.pipeline;
    const sink = new SpanSink();
    for (const section of rawSplitter.split(text, 0, text.length)) {
      if (section.token) {
        sink.pushExact(section.token.id, section.start, section.end);
        continue;
      }
      const norm = normalization.normalize(text, section.start, section.end);
      if (norm.text.length === 0) continue;
      for (const sub of normalizedSplitter.split(norm.text, 0, norm.text.length)) {
        if (sub.token) sink.pushExact(sub.token.id, norm.start[sub.start], norm.end[sub.end - 1]);
        else this.encodeWords(norm, sub.start, sub.end, sink);
      }
    }
    return sink.finish();
  }

  /** Pre-tokenizes norm.text[from, to) into words and pushes each word's pieces. */
  private encodeWords(norm: NormalizedText, from: number, to: number, sink: SpanSink): void {
    const { unkId, fuseUnk } = this.pipeline;
    let isLastUnk = false;
    forEachWord(norm.text, from, to, (a, b) => {
      const split = this.split(norm.text.slice(a, b));
      const isUnk = split.ids.length === 1 && split.ids[0] === unkId;
      if (fuseUnk && isUnk && isLastUnk) {
        sink.extendLast(norm.end[b - 1]);
        return;
      }
      isLastUnk = isUnk;
      const isApprox = norm.isApprox[a] === 1 || norm.isApprox[b - 1] === 1;
      if (split.ends === null || isApprox) {
        sink.pushShared(split.ids, norm.start[a], norm.end[b - 1], !isApprox);
        return;
      }
      let pos = a;
      for (let k = 0; k < split.ids.length; k++) {
        const end = a + split.ends[k];
        sink.pushExact(split.ids[k], norm.start[pos], norm.end[end - 1]);
        pos = end;
      }
    });
  }

  /** The library's pieces for one word, and how they line up with its characters. */
  private split(word: string): WordSplit {
    const hit = this.wordCache.get(word);
    if (hit) return hit;
    const { wordPieces, tokenId, continuingPrefix } = this.pipeline;
    const pieces = wordPieces([word]);
    const ids = Int32Array.from(pieces, tokenId);
    let ends: Int32Array | null = new Int32Array(pieces.length);
    let pos = 0;
    for (let k = 0; k < pieces.length; k++) {
      let piece = pieces[k];
      if (k > 0 && piece.startsWith(continuingPrefix)) piece = piece.slice(continuingPrefix.length);
      if (piece.length === 0 || !word.startsWith(piece, pos)) {
        ends = null; // [UNK], or pieces that do not spell the word: every piece gets the word's span
        break;
      }
      pos += piece.length;
      ends[k] = pos;
    }
    if (pos !== word.length) ends = null;
    const split = { ids, ends };
    if (this.wordCache.size >= MAX_CACHED_WORDS) this.wordCache.clear();
    this.wordCache.set(word, split);
    return split;
  }
}
