import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../model/tokenizer';
import type { Segment, Tokenizer } from '../model/types';
import { tinyBertDir } from '../testing/paths';
import { cutPassages, pageAt, passageWindows } from './passages';
import type { PassageWindow } from './types';

const SEP = 2;

/**
 * Test double for the Tokenizer contract: one token per whitespace-separated word, or, with
 * `pieceChars`, words cut into pieces of that many chars (continuations touch the previous piece,
 * like "##" word pieces). Ids are 100 + the piece's running index, so every token is unique.
 */
function pieceTokenizer(pieceChars = Infinity): Tokenizer {
  return {
    clsId: 1,
    sepId: SEP,
    padId: 0,
    unkId: 3,
    tokenize(text) {
      const offsets: Array<[number, number]> = [];
      for (const m of text.matchAll(/\S+/g)) {
        for (let s = m.index; s < m.index + m[0].length; s += pieceChars) {
          offsets.push([s, Math.min(s + pieceChars, m.index + m[0].length)]);
        }
      }
      return { ids: Int32Array.from(offsets, (_, i) => 100 + i), offsets };
    },
    questionSegment(): Segment {
      throw new Error('not used by passages');
    },
    passageSegment(ids, offsets) {
      return { ids: Int32Array.from([...Array.from(ids), SEP]), offsets: [...offsets, [-1, -1]] };
    },
  };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

/** Text-token positions (index into the whole document's tokens) of a window, via the unique ids. */
const positions = (w: PassageWindow) => Array.from(w.ids.subarray(0, -1), (id) => id - 100);

/** Invariants every cut must keep: W respected, [SEP] last, offsets into the text, coverage, overlap ≥ O. */
function checkWindows(text: string, windows: PassageWindow[], tokenCount: number, W: number, O: number) {
  const seen = new Set<number>();
  windows.forEach((w, i) => {
    expect(w.index).toBe(i);
    expect(w.ids.length).toBeGreaterThan(1);
    expect(w.ids.length).toBeLessThanOrEqual(W);
    expect(w.ids[w.ids.length - 1]).toBe(SEP);
    expect(w.offsets.at(-1)).toEqual([-1, -1]);
    expect(w.offsets.length).toBe(w.ids.length);
    const pos = positions(w);
    pos.forEach((p, j) => j > 0 && expect(p).toBe(pos[j - 1] + 1)); // contiguous tokens
    pos.forEach((p) => seen.add(p));
    expect(w.charStart).toBe(w.offsets[0][0]);
    expect(w.charEnd).toBe(w.offsets.at(-2)![1]);
    expect(text.slice(w.charStart, w.charEnd).startsWith(text.slice(...w.offsets[0]))).toBe(true);
    if (i > 0) {
      const prev = positions(windows[i - 1]);
      expect(prev.at(-1)! - pos[0] + 1).toBeGreaterThanOrEqual(O); // shared tokens
      expect(pos[0]).toBeGreaterThan(prev[0]); // always progresses
    }
  });
  expect(seen.size).toBe(tokenCount);
}

describe('cutPassages with a whitespace tokenizer', () => {
  const tok = pieceTokenizer();

  it('covers every token with windows of W−1 text tokens overlapping by exactly O', () => {
    const text = words(1000);
    const W = 64;
    const O = 16;
    const windows = cutPassages({ text }, tok, { windowTokens: W, overlapTokens: O });
    checkWindows(text, windows, 1000, W, O);
    const stride = W - 1 - O;
    windows.forEach((w, i) => {
      expect(positions(w)[0]).toBe(i * stride);
      if (i < windows.length - 1) expect(w.ids.length).toBe(W);
      if (i > 0) expect(positions(windows[i - 1]).at(-1)! - positions(w)[0] + 1).toBe(O);
    });
    expect(windows.at(-1)!.charEnd).toBe(text.length);
    expect(windows).toHaveLength(Math.ceil((1000 - O) / stride));
  });

  it('maps offsets back to the words they came from', () => {
    const text = '  alpha   beta\n\ngamma délta 文档  ';
    const [w] = cutPassages({ text }, tok, { windowTokens: 10, overlapTokens: 2 });
    expect(w.offsets.slice(0, -1).map(([s, e]) => text.slice(s, e))).toEqual(['alpha', 'beta', 'gamma', 'délta', '文档']);
    expect(text.slice(w.charStart, w.charEnd)).toBe('alpha   beta\n\ngamma délta 文档');
  });

  it('handles the W−1 and W token boundaries and tiny texts', () => {
    const opts = { windowTokens: 8, overlapTokens: 3 };
    expect(cutPassages({ text: words(7) }, tok, opts).map((w) => w.ids.length)).toEqual([8]); // exactly W−1 text tokens: one full window
    const eight = cutPassages({ text: words(8) }, tok, opts); // one token more: a second, short window
    expect(eight.map(positions)).toEqual([[0, 1, 2, 3, 4, 5, 6], [4, 5, 6, 7]]);
    expect(cutPassages({ text: 'one' }, tok, opts).map(positions)).toEqual([[0]]);
    expect(cutPassages({ text: '' }, tok, opts)).toEqual([]);
    expect(cutPassages({ text: ' \n\t ' }, tok, opts)).toEqual([]);
  });

  it('works with no overlap and refuses impossible window settings', () => {
    const text = words(20);
    const windows = cutPassages({ text }, tok, { windowTokens: 6, overlapTokens: 0 });
    expect(windows.map((w) => positions(w)[0])).toEqual([0, 5, 10, 15]);
    checkWindows(text, windows, 20, 6, 0);
    expect(() => cutPassages({ text }, tok, { windowTokens: 6, overlapTokens: 5 })).toThrow(RangeError);
    expect(() => cutPassages({ text }, tok, { windowTokens: 1, overlapTokens: 0 })).toThrow(RangeError);
  });

  it('gives each window the page its first character is on', () => {
    const pageTexts = [words(10), words(10), '', words(10)]; // page 3 is blank
    let text = '';
    const pages = pageTexts.map((t, i) => {
      if (t && text) text += '\n\n';
      const charStart = text.length;
      text += t;
      return { page: i + 1, charStart, charEnd: text.length };
    });
    const windows = cutPassages({ text, pages }, tok, { windowTokens: 6, overlapTokens: 1 }); // stride 4
    expect(windows.map((w) => positions(w)[0])).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
    expect(windows.map((w) => w.page)).toEqual([1, 1, 1, 2, 2, 4, 4, 4]);
    expect(cutPassages({ text }, tok, { windowTokens: 6, overlapTokens: 1 })[0].page).toBeUndefined();
    // Windows that run onto the next page keep where it starts; pageAt reads any offset's page from that.
    const page2 = pages[1].charStart;
    const crossing = windows.filter((w) => w.pageBreaks);
    expect(crossing.map((w) => w.index)).toEqual([2, 4]); // tokens 8–12 and 16–20
    expect(windows[2].pageBreaks).toEqual([{ page: 2, charStart: page2 }]);
    expect(windows[4].pageBreaks).toEqual([{ page: 4, charStart: pages[3].charStart }]); // blank page 3 has no break
    expect(pageAt(windows[2], page2 - 1)).toBe(1);
    expect(pageAt(windows[2], page2)).toBe(2);
    expect(pageAt(windows[0], 3)).toBe(1);
  });
});

describe('cutPassages with word pieces', () => {
  it('moves a start that falls inside a word back to the word start, keeping every invariant', () => {
    const tok = pieceTokenizer(2); // "abcdef" → "ab" "cd" "ef"
    const text = Array.from({ length: 120 }, (_, i) => 'x'.repeat(1 + ((i * 7) % 6))).join(' ');
    const tokenCount = tok.tokenize(text).ids.length;
    const W = 12;
    const O = 3;
    const windows = cutPassages({ text }, tok, { windowTokens: W, overlapTokens: O });
    checkWindows(text, windows, tokenCount, W, O);
    const { offsets } = tok.tokenize(text);
    const startsInWord = windows.filter((w) => {
      const p = positions(w)[0];
      return p > 0 && offsets[p][0] === offsets[p - 1][1];
    });
    // Words here are at most 3 pieces long, within the lookback: every window starts on a word.
    expect(startsInWord).toEqual([]);
    expect(windows.some((w, i) => i > 0 && positions(windows[i - 1]).at(-1)! - positions(w)[0] + 1 > O)).toBe(true);
  });
});

describe('cutPassages with the real tokenizer', () => {
  it('cuts tiny-bert-qa word pieces into valid windows', async () => {
    const tok: Tokenizer = await loadTokenizer(tinyBertDir);
    const text = Array.from({ length: 40 }, (_, i) => `Sentence ${i}: the unbelievably photosynthesizing aardvarks reorganized Zürich's café.`).join(' ');
    const { ids, offsets } = tok.tokenize(text);
    const W = 48;
    const O = 8;
    const windows = cutPassages({ text }, tok, { windowTokens: W, overlapTokens: O });
    expect(windows.length).toBeGreaterThan(2);
    // Stitch the windows back together by char offset: together they hold every token once, in order.
    const covered = new Map<number, number>();
    let lastEnd = -1;
    windows.forEach((w, i) => {
      expect(w.ids.length).toBeLessThanOrEqual(W);
      expect(w.ids.at(-1)).toBe(tok.sepId);
      expect(w.offsets.at(-1)).toEqual([-1, -1]);
      expect(w.charStart).toBe(w.offsets[0][0]);
      expect(w.charEnd).toBe(w.offsets.at(-2)![1]);
      w.offsets.slice(0, -1).forEach(([s], j) => covered.set(s, w.ids[j]));
      if (i > 0) {
        const shared = w.offsets.slice(0, -1).filter(([s]) => s < lastEnd).length;
        expect(shared).toBeGreaterThanOrEqual(O);
        expect(shared).toBeLessThanOrEqual(O + 3);
      }
      lastEnd = w.charEnd;
    });
    expect([...covered.keys()].sort((a, b) => a - b)).toEqual(offsets.map(([s]) => s));
    expect(offsets.map(([s]) => covered.get(s))).toEqual(Array.from(ids));
  });
});

describe('passageWindows (tokenized a chunk at a time)', () => {
  it('gives the same windows as tokenizing the whole text, with the real tokenizer and small chunks', async () => {
    const tokenizer = await loadTokenizer(tinyBertDir);
    const text = Array.from({ length: 400 }, (_, i) => `Sentence ${i}: the réservoir's lanterns, unbelievably bright\tand\nwarm.`).join(' ');
    const opts = { windowTokens: 32, overlapTokens: 6 };
    const whole = cutPassages({ text }, tokenizer, opts); // one chunk: the text is shorter than TOKENIZE_CHUNK_CHARS
    for (const chunkChars of [37, 500, 4096]) {
      const streamed = Array.from(passageWindows({ text }, tokenizer, opts, chunkChars));
      expect(streamed.length).toBe(whole.length);
      expect(streamed.map((w) => [w.charStart, w.charEnd, Array.from(w.ids).join(',')])).toEqual(
        whole.map((w) => [w.charStart, w.charEnd, Array.from(w.ids).join(',')]),
      );
      expect(streamed.map((w) => w.offsets)).toEqual(whole.map((w) => w.offsets));
    }
  });

  it('holds only the tokens near the window it yields (a long document is never tokenized whole)', () => {
    let longestPiece = 0;
    const base = pieceTokenizer();
    const counting: Tokenizer = { ...base, tokenize: (t) => ((longestPiece = Math.max(longestPiece, t.length)), base.tokenize(t)) };
    const text = words(200_000);
    let count = 0;
    for (const w of passageWindows({ text }, counting, { windowTokens: 64, overlapTokens: 8 }, 10_000)) count = w.index + 1;
    expect(count).toBe(Math.ceil((200_000 - 63) / 55) + 1);
    expect(longestPiece).toBeLessThanOrEqual(10_000);
  });
});
