import { describe, expect, it } from 'vitest';
import { batchCallTokens, planBatches } from './engine-inputs';

/** Σ batch size × its longest length: the tokens a plan pushes through the lower pass. */
const padded = (lengths: number[], plan: number[][]) => plan.reduce((sum, b) => sum + b.length * Math.max(...b.map((i) => lengths[i])), 0);

describe('planBatches', () => {
  it('uses every index once, longest first, in batches of at most maxBatch', () => {
    const lengths = Array.from({ length: 103 }, (_, i) => 40 + ((i * 7919) % 281));
    const plan = planBatches(lengths, 16);
    expect(plan.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(Math.max(...plan.map((b) => b.length))).toBeLessThanOrEqual(16);
    const order = plan.flat().map((i) => lengths[i]);
    expect(order).toEqual([...order].sort((a, b) => b - a));
  });

  it('keeps the short last windows of documents out of batches of full windows', () => {
    // 20 full windows and 4 short ones: fixed slices of 16 would pad 4 short windows to 320.
    const lengths = [...Array.from({ length: 20 }, () => 320), 120, 110, 100, 90];
    const plan = planBatches(lengths, 16);
    expect(padded(lengths, plan)).toBeLessThanOrEqual(20 * 320 + 4 * 120); // fixed slices: 24 × 320
    for (const batch of plan) {
      const lens = batch.map((i) => lengths[i]);
      expect(lens.every((l) => l === 320) || lens.every((l) => l < 320)).toBe(true);
    }
  });

  it('does not split off a batch to save less padding than one call costs', () => {
    const lengths = [100, 100, 100, 100 - (batchCallTokens >> 2)]; // splitting off the last saves 8 padded tokens
    expect(planBatches(lengths, 16)).toHaveLength(1);
    expect(planBatches([], 16)).toEqual([]);
  });
});
