import { describe, expect, it } from 'vitest';
import { defaultBm25, idf, passageTerms, queryTerms, tfWeight } from './bm25';

describe('bm25', () => {
  it('gives rarer terms a larger, always positive idf', () => {
    expect(idf(1, 1000)).toBeGreaterThan(idf(10, 1000));
    expect(idf(1000, 1000)).toBeGreaterThan(0);
    expect(idf(1, 1000)).toBeCloseTo(Math.log(1 + 999.5 / 1.5), 12);
  });

  it('saturates term frequency at k1 + 1 and penalises long passages', () => {
    const p = { k1: 0.6, b: 0.75, pairWeight: 0 };
    expect(tfWeight(1, 100, 100, p)).toBeCloseTo(1, 12); // tf 1 at average length: (1 · 1.6) / (1 + 0.6)
    expect(tfWeight(2, 100, 100, p)).toBeGreaterThan(tfWeight(1, 100, 100, p));
    expect(tfWeight(1e6, 100, 100, p)).toBeLessThan(p.k1 + 1);
    expect(tfWeight(1, 400, 100, p)).toBeLessThan(tfWeight(1, 100, 100, p));
    expect(tfWeight(1, 400, 100, { ...p, b: 0 })).toBeCloseTo(tfWeight(1, 100, 100, { ...p, b: 0 }), 12);
  });

  it('indexes single terms and pairs, with the length in single terms', () => {
    const pt = passageTerms('Denver Broncos beat the Panthers; the Broncos won.');
    expect(pt.length).toBe(6); // denver bronco beat panther bronco won
    expect(pt.tf.get('bronco')).toBe(2);
    expect(pt.tf.get('denver bronco')).toBe(1);
    expect(pt.tf.get('beat panther')).toBe(1);
    expect(pt.tf.has('the')).toBe(false);
  });

  it('weights query pairs by pairWeight and counts a repeated term once', () => {
    const q = queryTerms('Broncos broncos Denver');
    expect(q.get('bronco')).toBe(1);
    expect(q.get('bronco bronco')).toBe(defaultBm25.pairWeight);
    expect(q.get('bronco denver')).toBe(defaultBm25.pairWeight);
    expect(queryTerms('Broncos Denver', { ...defaultBm25, pairWeight: 0 }).size).toBe(2);
  });
});
