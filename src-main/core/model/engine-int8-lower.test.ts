import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { Engine } from './engine';
import { graphCacheDir } from './graph-cache';
import { maxAbsDiff, readGolden, sameBits } from './golden-fixtures';
import { onnx } from './onnx/graph-builder';
import type { ProviderName, Segment } from './types';

const asSegment = (ids: number[]): Segment => ({ ids: Int32Array.from(ids), offsets: ids.map(() => [-1, -1] as [number, number]) });
const range = (xs: ArrayLike<number>) => Math.max(...Array.from(xs)) - Math.min(...Array.from(xs));
const ops = (path: string) => (onnx.ModelProto.decode(readFileSync(path)).graph?.node ?? []).map((n) => (n.domain ? `${n.domain}:${n.opType}` : n.opType!));

describe('Engine with int8 lower and upper weights', () => {
  const golden = readGolden(tinyBertDir);
  let cacheDir: string;
  let fp32: Engine;
  let int8: Engine;
  beforeAll(async () => {
    const checkpoint = await loadCheckpoint(tinyBertDir);
    cacheDir = mkdtempSync(join(tmpdir(), 'engine-int8-lower-'));
    fp32 = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1 });
    int8 = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1, weights: 'int8', lowerWeights: 'int8' });
  });
  afterAll(async () => {
    await Promise.all([fp32?.close(), int8?.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('builds its own lower and ask graphs, every layer on int8 weights', () => {
    const folder = graphCacheDir(cacheDir, fp32.fingerprint);
    expect(int8.lowerWeights).toBe('int8');
    expect(int8.builtGraphs.map((p) => p.slice(folder.length + 1)).sort()).toEqual(['ask-k2-int8-lowerint8.onnx', 'lower-k2-int8.onnx', 'upper-k2-int8.onnx']);
    const lower = ops(join(folder, 'lower-k2-int8.onnx'));
    expect(lower.filter((o) => o === 'com.microsoft:QAttention')).toHaveLength(2);
    expect(lower).not.toContain('com.microsoft:Attention');
    const ask = ops(join(folder, 'ask-k2-int8-lowerint8.onnx'));
    expect(ask.filter((o) => o === 'com.microsoft:QAttention')).toHaveLength(int8.config.layers);
    expect(ask).not.toContain('com.microsoft:Attention');
  });

  it('passage states move off fp32 (so the cache identity must differ) but the answer logits stay close', async () => {
    const c = golden.cases[0];
    const question = asSegment(c.deformer.question_segment.input_ids);
    const passage = asSegment(c.deformer.passage_segment.input_ids);
    const [[p32], [p8]] = [await fp32.lowerPassages([passage]), await int8.lowerPassages([passage])];
    expect(sameBits(p32.data, p8.data)).toBe(false);
    const [[a], [b]] = [await fp32.askPass(question, [p32]), await int8.askPass(question, [p8])];
    expect(maxAbsDiff(a.start, c.deformer.splits['2'].start_logits)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.start, b.start) / range(a.start)).toBeLessThan(0.25);
    // ask-int8-lowerint8 = the int8 lower pass of the question, then the int8 upper pass.
    const [u] = await int8.upperPass(await int8.lowerQuestion(question), [p8]);
    expect(maxAbsDiff(u.start, b.start)).toBeLessThan(1e-4);
  });

  // No GPU on the build machines: where the requested provider is missing (or lacks an int8 kernel),
  // the engine must end on CPU with the reason named and the very same int8 results.
  it.each<ProviderName>(['auto', 'cuda', 'webgpu'])('int8 graphs requested on %s end on a working provider with a reason', async (name) => {
    const checkpoint = await loadCheckpoint(tinyBertDir);
    const logs: string[] = [];
    const engine = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: name, threads: 1, weights: 'int8', lowerWeights: 'int8', log: (l) => logs.push(l) });
    try {
      expect(engine.provider.reason.length).toBeGreaterThan(0);
      const c = golden.cases[1];
      const question = asSegment(c.deformer.question_segment.input_ids);
      const [p] = await engine.lowerPassages([asSegment(c.deformer.passage_segment.input_ids)]);
      const [logits] = await engine.askPass(question, [p]);
      const [cpuP] = await int8.lowerPassages([asSegment(c.deformer.passage_segment.input_ids)]);
      const [cpu] = await int8.askPass(question, [cpuP]);
      if (engine.provider.name === 'cpu') {
        if (name !== 'auto') expect(engine.provider.reason).toMatch(new RegExp(`^${name}: \\S`));
        expect(sameBits(logits.start, cpu.start)).toBe(true);
      } else {
        expect(maxAbsDiff(logits.start, cpu.start) / range(cpu.start)).toBeLessThan(0.25);
      }
    } finally {
      await engine.close();
    }
  });
});
