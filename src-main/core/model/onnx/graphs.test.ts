import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir, tinyDistilBertDir } from '../../testing/paths';
import { loadCheckpoint } from '../checkpoint';
import { ensureGraphs } from '../graph-cache';
import { sessionOptions } from '../providers';
import type { Checkpoint } from '../types';
import { onnx } from './graph-builder';
import type { GraphKind } from './graphs';

/** Node counts by op type (domain-qualified for contrib ops). */
function opCounts(modelBytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of onnx.ModelProto.decode(modelBytes).graph?.node ?? []) {
    const op = node.domain ? `${node.domain}:${node.opType}` : node.opType!;
    counts[op] = (counts[op] ?? 0) + 1;
  }
  return counts;
}

describe('ONNX graphs', () => {
  let checkpoint: Checkpoint;
  let dir: string;
  beforeAll(async () => {
    checkpoint = await loadCheckpoint(tinyBertDir);
    dir = mkdtempSync(join(tmpdir(), 'graphs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function optimised(kind: GraphKind) {
    const [graph] = ensureGraphs(checkpoint, dir, [kind]);
    const out = join(dir, `optimised-${Date.now()}.onnx`);
    const session = await ort.InferenceSession.create(graph.path, { ...sessionOptions('cpu', 1), optimizedModelFilePath: out });
    await session.release();
    return { session, built: opCounts(readFileSync(graph.path)), optimised: opCounts(readFileSync(out)) };
  }

  it('lower(k) has k layers; ORT fuses LayerNorm + residual and bias + GELU (checked on the optimised model)', async () => {
    const { session, built, optimised: opt } = await optimised({ kind: 'lower', k: 3 });
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'position_ids', 'token_type_ids']);
    expect(session.outputNames).toEqual(['states']);
    expect(built['com.microsoft:Attention']).toBe(3);
    expect(built.Erf).toBe(3); // exact GELU as plain ops…
    expect(opt.Erf).toBeUndefined(); // …which ORT turns into its Gelu kernel
    expect(opt['com.microsoft:BiasGelu']).toBe(3);
    expect(opt['com.microsoft:SkipLayerNormalization']).toBe(2 * 3 + 1); // + the embeddings' sum + LayerNorm
    expect(opt.LayerNormalization).toBeUndefined();
    expect(opt['com.microsoft:Attention']).toBe(3);
  });

  it('upper(k) takes the question once and the passages batched; k = n has only the span head', async () => {
    const { session, built } = await optimised({ kind: 'upper', k: 1 });
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'passage_states', 'question_states']);
    expect(session.outputNames).toEqual(['start_logits', 'end_logits']);
    expect(built['com.microsoft:Attention']).toBe(3);
    expect(built.Expand).toBe(1);
    const top = await optimised({ kind: 'upper', k: 4 });
    expect(top.built['com.microsoft:Attention']).toBeUndefined();
  });

  it('lower(0) is the embeddings alone; DistilBERT-style graphs take no token types', async () => {
    const { built } = await optimised({ kind: 'lower', k: 0 });
    expect(built['com.microsoft:Attention']).toBeUndefined();
    expect(built.Gather).toBe(3);
    const distil = await loadCheckpoint(tinyDistilBertDir);
    const [graph] = ensureGraphs(distil, dir, [{ kind: 'lower', k: 1 }]);
    const session = await ort.InferenceSession.create(graph.path, sessionOptions('cpu', 1));
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'position_ids']);
    await session.release();
  });

  it('the activation follows config: gelu_new and relu build, run and differ from exact GELU', async () => {
    const feeds = (n: number) => {
      const i64 = (f: (i: number) => number) => new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i))), [1, n]);
      return { input_ids: i64((i) => 2000 + i), token_type_ids: i64(() => 0), position_ids: i64((i) => i), attention_mask: i64(() => 1) };
    };
    const outputs: Float32Array[] = [];
    for (const activation of ['gelu', 'gelu_new', 'relu'] as const) {
      const variant: Checkpoint = { ...checkpoint, fingerprint: `act-${activation}`, config: { ...checkpoint.config, activation } };
      const [graph] = ensureGraphs(variant, dir, [{ kind: 'lower', k: 1 }]);
      const session = await ort.InferenceSession.create(graph.path, sessionOptions('cpu', 1));
      outputs.push((await session.run(feeds(6))).states.data as Float32Array);
      await session.release();
    }
    const diff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    // gelu_new approximates gelu closely; relu does not.
    expect(diff(outputs[0], outputs[1])).toBeGreaterThan(0);
    expect(diff(outputs[0], outputs[1])).toBeLessThan(0.05);
    expect(diff(outputs[0], outputs[2])).toBeGreaterThan(diff(outputs[0], outputs[1]));
  });
});
