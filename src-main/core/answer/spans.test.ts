import { describe, expect, it } from 'vitest';
import { decodeSpans, type PassageLogits } from './spans';

/** A passage of `n` text tokens + [SEP], each token 4 chars wide from `charBase`, after a `q`-token question. */
function passage(opts: {
  q?: number;
  n: number;
  charBase?: number;
  docKey?: string;
  start?: Record<number, number>;
  end?: Record<number, number>;
  fill?: number;
}): PassageLogits {
  const q = opts.q ?? 3;
  const total = q + opts.n + 1;
  const start = new Float32Array(total).fill(opts.fill ?? 0);
  const end = new Float32Array(total).fill(opts.fill ?? 0);
  for (const [i, v] of Object.entries(opts.start ?? {})) start[Number(i)] = v;
  for (const [i, v] of Object.entries(opts.end ?? {})) end[Number(i)] = v;
  const base = opts.charBase ?? 0;
  const offsets: Array<[number, number]> = [];
  for (let i = 0; i < opts.n; i++) offsets.push([base + 4 * i, base + 4 * i + 3]);
  offsets.push([-1, -1]);
  return { logits: { start, end, questionTokens: q }, offsets, docKey: opts.docKey ?? 'doc' };
}

describe('decodeSpans', () => {
  it('never returns an end before its start', () => {
    // Best end (passage token 1) lies before the best start (token 5).
    const p = passage({ n: 8, start: { 8: 9 }, end: { 4: 9, 9: 3 } });
    const [best] = decodeSpans([p]);
    expect(best.startToken).toBe(5);
    expect(best.endToken).toBeGreaterThanOrEqual(best.startToken);
    expect(best.endToken).toBe(6);
  });

  it('caps answers at 30 tokens', () => {
    const p = passage({ n: 60, start: { 3: 10 }, end: { [3 + 45]: 10, [3 + 20]: 2 } });
    const answers = decodeSpans([p], { maxAnswers: 20 });
    for (const a of answers) expect(a.endToken - a.startToken + 1).toBeLessThanOrEqual(30);
    expect(answers[0]).toMatchObject({ startToken: 0, endToken: 20 });
    expect(decodeSpans([p], { maxAnswerTokens: 50 })[0]).toMatchObject({ startToken: 0, endToken: 45 });
  });

  it('never picks question tokens, [CLS] or the final [SEP]', () => {
    // Huge logits on [CLS] (0), question tokens (1, 2) and the passage's [SEP] (last).
    const n = 6;
    const p = passage({ n, start: { 0: 50, 1: 50, 2: 50, [3 + n]: 50, 5: 1 }, end: { 0: 50, 2: 50, [3 + n]: 50, 6: 1 } });
    const answers = decodeSpans([p], { maxAnswers: 50 });
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) {
      expect(a.startToken).toBeGreaterThanOrEqual(0);
      expect(a.endToken).toBeLessThan(n);
    }
    expect(answers[0]).toMatchObject({ startToken: 2, endToken: 3 });
  });

  it('maps token spans to exact document chars', () => {
    const p = passage({ n: 10, charBase: 1000, start: { [3 + 4]: 5 }, end: { [3 + 6]: 5 } });
    const [best] = decodeSpans([p]);
    expect(best).toMatchObject({ startToken: 4, endToken: 6, charStart: 1016, charEnd: 1027 });
  });

  it('keeps one answer for a span seen by two overlapping windows of one document', () => {
    // Window A covers doc tokens 0..9, window B tokens 6..15; the answer is doc tokens 7..8.
    const a = passage({ n: 10, charBase: 0, start: { [3 + 7]: 6 }, end: { [3 + 8]: 6 } });
    const b = passage({ n: 10, charBase: 24, start: { [3 + 1]: 7, [3 + 8]: 4 }, end: { [3 + 2]: 7, [3 + 9]: 4 } });
    const answers = decodeSpans([a, b], { maxAnswers: 5 });
    const spans = answers.map((x) => `${x.charStart}-${x.charEnd}`);
    expect(new Set(spans).size).toBe(spans.length);
    expect(answers[0]).toMatchObject({ passage: 1, charStart: 28, charEnd: 35 });
    // No kept answer overlaps another in the same document.
    for (let i = 0; i < answers.length; i++)
      for (let j = i + 1; j < answers.length; j++)
        expect(answers[i].charStart < answers[j].charEnd && answers[j].charStart < answers[i].charEnd).toBe(false);
    // The same spans in different documents are both kept.
    const other = { ...b, docKey: 'other' };
    const both = decodeSpans([a, other], { maxAnswers: 2 });
    expect(both.map((x) => x.passage).sort()).toEqual([0, 1]);
  });

  it('ranks spans across passages by logits, not by per-passage confidence', () => {
    // Passage 0 is peaked (one span dominates its own softmax) but low; passage 1 is flat but higher.
    const peaked = passage({ n: 8, fill: -10, start: { 4: 2 }, end: { 5: 2 } });
    const flat = passage({ n: 8, fill: 4, start: { 6: 4.5 }, end: { 7: 4.5 }, docKey: 'b' });
    const answers = decodeSpans([peaked, flat], { maxAnswers: 50 });
    expect(answers[0].passage).toBe(1);
    expect(answers.findIndex((a) => a.passage === 0)).toBeGreaterThan(0);
    // Scores are P_start · P_end under one softmax over both passages' candidate positions.
    const starts = [...peaked.logits.start.slice(3, 11), ...flat.logits.start.slice(3, 11)];
    const ends = [...peaked.logits.end.slice(3, 11), ...flat.logits.end.slice(3, 11)];
    const z = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
    const expected = Math.exp(4.5 + 4.5 - z(starts) - z(ends));
    expect(answers[0].score).toBeCloseTo(expected, 10);
    const total = answers.reduce((s, a) => s + a.score, 0);
    expect(total).toBeLessThanOrEqual(1);
    for (let i = 1; i < answers.length; i++) expect(answers[i].score).toBeLessThanOrEqual(answers[i - 1].score);
  });

  it('gives the same span the same score whatever passage order', () => {
    const x = passage({ n: 8, start: { 4: 3 }, end: { 5: 3 } });
    const y = passage({ n: 8, start: { 6: 1 }, end: { 7: 1 }, docKey: 'y' });
    const [a] = decodeSpans([x, y]);
    const [b] = decodeSpans([y, x]);
    expect(b.score).toBeCloseTo(a.score, 12);
    expect(b.charStart).toBe(a.charStart);
  });

  it('returns nothing for passages without text tokens, and rejects logits of the wrong length', () => {
    expect(decodeSpans([passage({ n: 0 })])).toEqual([]);
    expect(decodeSpans([])).toEqual([]);
    const bad = passage({ n: 4 });
    expect(() => decodeSpans([{ ...bad, offsets: [[0, 1]] }])).toThrow(/expected/);
  });
});
