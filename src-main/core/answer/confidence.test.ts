import { describe, expect, it } from 'vitest';
import { CONFIDENT_AT, confidenceOf, keptProbabilities, LIKELY_AT, NO_ANSWER_THRESHOLD, relevanceOf } from './confidence';
import { decodeSpans, type PassageLogits } from './spans';

/** A passage of `n` text tokens + [SEP], 4 chars per token, after a 3-token question; logits 0 but where given. */
function passage(n: number, start: Record<number, number>, end: Record<number, number>, docKey = 'doc'): PassageLogits {
  const q = 3;
  const s = new Float32Array(q + n + 1);
  const e = new Float32Array(q + n + 1);
  for (const [i, v] of Object.entries(start)) s[q + Number(i)] = v;
  for (const [i, v] of Object.entries(end)) e[q + Number(i)] = v;
  const offsets: Array<[number, number]> = Array.from({ length: n }, (_, i) => [4 * i, 4 * i + 3]);
  offsets.push([-1, -1]);
  return { logits: { start: s, end: e, questionTokens: q }, offsets, docKey };
}

describe('confidence words', () => {
  it('orders its bounds and names each band', () => {
    expect(NO_ANSWER_THRESHOLD).toBeLessThan(LIKELY_AT);
    expect(LIKELY_AT).toBeLessThan(CONFIDENT_AT);
    expect(confidenceOf(CONFIDENT_AT)).toBe('confident');
    expect(confidenceOf((LIKELY_AT + CONFIDENT_AT) / 2)).toBe('likely');
    expect(confidenceOf((NO_ANSWER_THRESHOLD + LIKELY_AT) / 2)).toBe('unsure');
    expect(confidenceOf(NO_ANSWER_THRESHOLD / 2)).toBe('none');
  });
});

describe('answer probabilities', () => {
  it('a peaked span in one passage is confident; its overlapping variants count for it', () => {
    const sharp = passage(12, { 4: 12, 3: 9 }, { 5: 12 });
    const [best, ...rest] = decodeSpans([sharp, passage(12, {}, {}, 'other')]);
    expect(best).toMatchObject({ startToken: 4, endToken: 5 });
    // "in 1887" (3..5) overlaps "1887" (4..5): its mass is this answer's too.
    expect(best.probability).toBeGreaterThan(CONFIDENT_AT);
    expect(best.probability).toBeLessThanOrEqual(1);
    expect(best.probability).toBeGreaterThan(best.score);
    for (const r of rest) expect(r.probability).toBeLessThan(best.probability);
  });

  it('flat logits over many passages give no confident answer', () => {
    const flat = Array.from({ length: 5 }, (_, i) => passage(40, { 2: 0.3 }, { 3: 0.3 }, `doc${i}`));
    const spans = decodeSpans(flat);
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) expect(confidenceOf(s.probability)).toBe('none');
  });

  it('two passages that agree split the mass; the probabilities of kept answers never sum above 1', () => {
    const a = passage(10, { 2: 8 }, { 2: 8 }, 'a');
    const b = passage(10, { 6: 8 }, { 6: 8 }, 'b');
    const spans = decodeSpans([a, b]);
    expect(spans[0].probability).toBeCloseTo(spans[1].probability, 5);
    expect(spans[0].probability).toBeGreaterThan(NO_ANSWER_THRESHOLD);
    expect(spans[0].probability).toBeLessThan(CONFIDENT_AT);
    expect(spans.reduce((n, s) => n + s.probability, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('keptProbabilities: candidates owned by no kept answer only widen the denominator', () => {
    const p = keptProbabilities([0, 0, 0, 0], (i) => (i < 2 ? 0 : -1), 1);
    expect(p[0]).toBeCloseTo(0.5, 10);
    expect(keptProbabilities([], () => 0, 2)).toEqual([0, 0]);
  });
});

describe('relevance', () => {
  it('is each BM25 score over the best one, in [0, 1]', () => {
    expect(relevanceOf([22.05, 11.025, 0])).toEqual([1, 0.5, 0]);
    expect(relevanceOf([])).toEqual([]);
    expect(relevanceOf([0, 0])).toEqual([0, 0]);
  });
});
