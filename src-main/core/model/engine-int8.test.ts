import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { isDeskError } from '../errors';
import { Engine } from './engine';
import { cachedGraphFiles, graphCacheDir } from './graph-cache';
import { maxAbsDiff, readGolden, sameBits } from './golden-fixtures';
import { onnx } from './onnx/graph-builder';
import { qMax, quantisePerColumn } from './onnx/int8-weights';
import type { Segment, SpanLogits } from './types';

const asSegment = (ids: number[]): Segment => ({ ids: Int32Array.from(ids), offsets: ids.map(() => [-1, -1] as [number, number]) });
const range = (xs: ArrayLike<number>) => Math.max(...Array.from(xs)) - Math.min(...Array.from(xs));

/** Ops of a graph file, domain-qualified for contrib ops. */
function ops(path: string): string[] {
  return (onnx.ModelProto.decode(readFileSync(path)).graph?.node ?? []).map((n) => (n.domain ? `${n.domain}:${n.opType}` : n.opType!));
}

describe('quantisePerColumn', () => {
  it('symmetric per output column: max |q| is qMax (7 bits) in every non-zero column, q · scale ≈ w within half a step', () => {
    const [inDim, outDim] = [5, 3];
    const w = Float32Array.from({ length: inDim * outDim }, (_, j) => Math.sin(j * 1.7) * (1 + (j % outDim) * 10));
    w.fill(0, 0, 0);
    for (let r = 0; r < inDim; r++) w[r * outDim + 2] = 0; // an all-zero column
    const { values, scales } = quantisePerColumn(w, inDim, outDim);
    for (let c = 0; c < outDim; c++) {
      const col = Array.from({ length: inDim }, (_, r) => values[r * outDim + c]);
      expect(Math.max(...col.map(Math.abs))).toBe(c === 2 ? 0 : qMax);
      for (let r = 0; r < inDim; r++) expect(Math.abs(values[r * outDim + c] * scales[c] - w[r * outDim + c])).toBeLessThanOrEqual(scales[c] / 2 + 1e-7);
    }
  });
});

describe.each([
  ['bert', tinyBertDir],
  ['distilbert', tinyDistilBertDir],
])('Engine with int8 upper weights (%s)', (_arch, dir) => {
  const golden = readGolden(dir);
  let cacheDir: string;
  let fp32: Engine;
  let int8: Engine;
  beforeAll(async () => {
    const checkpoint = await loadCheckpoint(dir);
    cacheDir = mkdtempSync(join(tmpdir(), 'engine-int8-'));
    fp32 = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1 });
    int8 = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1, weights: 'int8' });
  });
  afterAll(async () => {
    await Promise.all([fp32?.close(), int8?.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('fp32 and int8 upper graphs coexist in one cache folder; only the upper layers have DynamicQuantizeMatMul', () => {
    expect(int8.weights).toBe('int8');
    expect(fp32.weights).toBe('fp32');
    const folder = graphCacheDir(cacheDir, fp32.fingerprint);
    expect(cachedGraphFiles(cacheDir, fp32.fingerprint)).toEqual([
      'ask-k2-int8.onnx', 'ask-k2.onnx', 'full.onnx', 'lower-k2.onnx', 'upper-k2-int8.onnx', 'upper-k2.onnx',
    ]);
    expect(existsSync(join(folder, 'weights.bin')) && existsSync(join(folder, 'weights-int8.bin'))).toBe(true);
    expect(int8.builtGraphs.map((p) => p.slice(folder.length + 1)).sort()).toEqual(['ask-k2-int8.onnx', 'upper-k2-int8.onnx']);
    // ask = the question's fp32 lower layers 1..2 (Attention) + the same int8 upper layers.
    const ask = ops(join(folder, 'ask-k2-int8.onnx'));
    expect(ask.filter((o) => o === 'com.microsoft:Attention')).toHaveLength(2);
    expect(ask.filter((o) => o === 'com.microsoft:QAttention')).toHaveLength(int8.config.layers - 2);
    const upper = ops(join(folder, 'upper-k2-int8.onnx'));
    // Layers 3..4: QKV in QAttention, attention output + two FFN Linears as DynamicQuantizeMatMul.
    const upperLayers = int8.config.layers - 2;
    expect(upper.filter((o) => o === 'com.microsoft:DynamicQuantizeMatMul')).toHaveLength(3 * upperLayers);
    expect(upper.filter((o) => o === 'com.microsoft:QAttention')).toHaveLength(upperLayers);
    expect(upper).not.toContain('com.microsoft:Attention');
    expect(upper.filter((o) => o === 'MatMul')).toHaveLength(1); // the H→2 span head stays fp32
    expect(ops(join(folder, 'lower-k2.onnx'))).not.toContain('com.microsoft:DynamicQuantizeMatMul');
  });

  // Measured worst case: 13.5% (bert) and 5.3% (distilbert) of the logit range at hidden 32, where
  // one uint8 step of the activations is large; 1.1% on BERT-base / DistilBERT-base shapes.
  it('lower states stay fp32-exact; upper logits are close to fp32 (< 20% of the logit range) but not bit-identical', async () => {
    const questions = golden.cases.map((c) => asSegment(c.deformer.question_segment.input_ids));
    const passages = golden.cases.map((c) => asSegment(c.deformer.passage_segment.input_ids));
    const [p32, p8] = await Promise.all([fp32.lowerPassages(passages), int8.lowerPassages(passages)]);
    p32.forEach((s, i) => expect(sameBits(s.data, p8[i].data)).toBe(true));
    let worst = 0;
    let identical = true;
    for (let i = 0; i < questions.length; i++) {
      const q = await fp32.lowerQuestion(questions[i]);
      const [a]: SpanLogits[] = await fp32.upperPass(q, [p32[i]]);
      const [b]: SpanLogits[] = await int8.upperPass(q, [p8[i]]);
      expect(maxAbsDiff(a.start, golden.cases[i].deformer.splits['2'].start_logits)).toBeLessThan(1e-4);
      for (const side of ['start', 'end'] as const) {
        worst = Math.max(worst, maxAbsDiff(a[side], b[side]) / range(a[side]));
        identical &&= sameBits(a[side], b[side]);
      }
    }
    expect(identical).toBe(false);
    // 7-bit weights (qMax): the tiny model's worst was 0.216 of the range; with 8 bits on a CPU
    // without VNNI, where ONNX Runtime's int16 sums saturate, it was 3.2.
    expect(worst).toBeLessThan(0.25);
  });

  // Activations are quantised with one scale per call, so a passage's logits move slightly with
  // its batch-mates; padding keys must still be masked out (else short passages drift far more).
  it('a padded batch of N passages agrees with each passage alone within the int8 tolerance', async () => {
    const q = await int8.lowerQuestion(asSegment(golden.cases[0].deformer.question_segment.input_ids));
    const passages = await int8.lowerPassages([3, 0, 5].map((i) => asSegment(golden.cases[i].deformer.passage_segment.input_ids)));
    expect(new Set(passages.map((p) => p.tokens)).size).toBeGreaterThan(1);
    const batched = await int8.upperPass(q, passages);
    // The int8 ask graph runs the same ops on the same inputs: the same logits as upperPass.
    const asked = await int8.askPass(asSegment(golden.cases[0].deformer.question_segment.input_ids), passages);
    asked.forEach((a, i) => expect(maxAbsDiff(a.start, batched[i].start)).toBeLessThan(1e-5));
    for (let i = 0; i < passages.length; i++) {
      const [single] = await int8.upperPass(q, [passages[i]]);
      expect(batched[i].start).toHaveLength(single.start.length);
      expect(maxAbsDiff(batched[i].start, single.start) / range(single.start)).toBeLessThan(0.2);
      expect(maxAbsDiff(batched[i].end, single.end) / range(single.end)).toBeLessThan(0.2);
    }
  });
});

describe('int8 engine options', () => {
  it('rejects an unknown weight precision with a DeskError', async () => {
    const checkpoint = await loadCheckpoint(tinyBertDir);
    const err = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir: tmpdir(), weights: 'int4' as 'int8' }).catch((e: unknown) => e);
    expect(isDeskError(err) && err.code).toBe('BAD_REQUEST');
  });
});

describe('int8 scales are per output column', () => {
  it('QKV columns scaled 1/30..30 apart (Q by s, K by 1/s: same scores) still match fp32; a per-tensor scale would not', async () => {
    const checkpoint = await loadCheckpoint(tinyBertDir);
    // Query output r × s_r and key output r × 1/s_r leave every q·k, hence the model, unchanged.
    const weights = new Map(checkpoint.weights);
    const factor = (r: number, name: string) => (r % 4 === 0 ? 30 : 1 / 30) ** (name.includes('.query.') ? 1 : -1);
    for (const [name, t] of checkpoint.weights) {
      if (!/encoder\.layer\.[23]\.attention\.self\.(query|key)\.(weight|bias)$/.test(name)) continue;
      const cols = t.shape.length === 2 ? t.shape[1] : 1;
      weights.set(name, { ...t, data: t.data.map((v, j) => v * factor(Math.floor(j / cols), name)) });
    }
    const skewed = { ...checkpoint, weights, fingerprint: 'f'.repeat(64) };
    const cacheDir = mkdtempSync(join(tmpdir(), 'engine-int8-skew-'));
    const opts = { k: 2, cacheDir, provider: 'cpu' as const, threads: 1 };
    const [fp32, int8] = [await Engine.fromCheckpoint(skewed, opts), await Engine.fromCheckpoint(skewed, { ...opts, weights: 'int8' })];
    try {
      const c = readGolden(tinyBertDir).cases[0];
      const q = await fp32.lowerQuestion(asSegment(c.deformer.question_segment.input_ids));
      const p = await fp32.lowerPassages([asSegment(c.deformer.passage_segment.input_ids)]);
      const [[a], [b]] = [await fp32.upperPass(q, p), await int8.upperPass(q, p)];
      expect(maxAbsDiff(a.start, c.deformer.splits['2'].start_logits)).toBeLessThan(1e-3);
      expect(maxAbsDiff(a.start, b.start) / range(a.start)).toBeLessThan(0.2);
      expect(maxAbsDiff(a.end, b.end) / range(a.end)).toBeLessThan(0.2);
    } finally {
      await Promise.all([fp32.close(), int8.close()]);
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
