import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadCheckpoint } from '../core/model/checkpoint';
import { tinyBertDir } from '../core/testing/paths';
import { deformerFlopShares, measureParts, theoreticalSpeedup } from './engine-bench';

it('theoretical speed-up follows ARCHITECTURE.md#the-split: 1x at k = 0, 3.28x for BERT-base at k = 9, the question paid once per batch', () => {
  expect(theoreticalSpeedup(12, 0, 768, 27, 320)).toBeCloseTo(1, 12);
  expect(theoreticalSpeedup(12, 9, 768, 27, 320)).toBeCloseTo(3.283, 3);
  expect(theoreticalSpeedup(6, 4, 768, 27, 320)).toBeCloseTo(2.62, 2);
  // k = n: only the question's lower pass is left, f(c+m) / f(c) per layer.
  const f = (t: number) => 24 * t * 768 ** 2 + 4 * t * t * 768;
  expect(theoreticalSpeedup(12, 12, 768, 27, 320)).toBeCloseTo(f(347) / f(27), 9);
  // A batch of 10 passages shares one question pass: the ratio rises towards n / (n − k) = 4.
  const batch10 = theoreticalSpeedup(12, 9, 768, 27, 320, 10);
  expect(batch10).toBeGreaterThan(3.283);
  expect(batch10).toBeLessThan(4);
  const shares = deformerFlopShares(12, 9, 768, 27, 320);
  expect(shares.upper).toBe(0.25);
  expect(1 / (shares.question + shares.upper)).toBeCloseTo(theoreticalSpeedup(12, 9, 768, 27, 320), 12);
});

it('times the two halves of a DeFormer question apart, beside their FLOP shares of the full model', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  const lines: string[] = [];
  try {
    const checkpoint = await loadCheckpoint(tinyBertDir);
    const row = await measureParts({ checkpoint, model: 'tiny-bert', k: 3, runs: 2, cacheDir, log: (l) => lines.push(l) });
    expect(row).toMatchObject({ model: 'tiny-bert', layers: 4, k: 3 });
    for (const ms of [row.fullMs, row.deformerMs, row.questionLowerMs, row.upperMs, row.rawFullMs, row.rawDeformerMs]) expect(ms).toBeGreaterThan(0);
    expect(row.rawSpeedup).toBeGreaterThan(0);
    const shares = deformerFlopShares(4, 3, 32, 27, 320);
    expect(row.upperFlopShareMs).toBeCloseTo(row.fullMs * shares.upper, 0);
    expect(row.questionFlopShareMs).toBeCloseTo(row.fullMs * shares.question, 0);
    expect(lines.join('\n')).toMatch(/tiny-bert k=3 batch=1 halves: question lower pass .* ms .* upper pass .* ms/);
    expect(lines.join('\n')).toMatch(/tiny-bert k=3 batch=1 raw ORT stack .* full .* ms, DeFormer .* ms/);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
