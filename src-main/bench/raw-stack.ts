/**
 * The raw ONNX Runtime reference of the engine bench: only the ops ARCHITECTURE.md#the-split's f(t) counts
 * (ORT's fused Attention with its packed QKV bias, then the attention-output and two FFN MatMuls;
 * no other bias, no LayerNorm, GELU, embeddings or span head), random weights inline, the
 * engine's session options. `full`
 * runs n such layers over [q; p]; `deformer` runs k over q alone, joins p's given states and runs
 * n − k, in one graph as `ask(k)` does. Timed in the same rounds as the engine, its ratio is what
 * plain ORT reaches for this split on this machine at this moment, the yardstick for "the engine
 * adds almost nothing".
 */
import * as ort from 'onnxruntime-node';
import { ElemType, IR_VERSION, OPSETS, onnx, valueInfo } from '../core/model/onnx/graph-builder';
import { sessionOptions } from '../core/model/providers';
import type { ModelConfig } from '../core/model/types';

type Shape = Pick<ModelConfig, 'layers' | 'hidden' | 'heads' | 'intermediate'>;

/** Deterministic values in ±0.02; speed does not depend on them. */
function randomBytes(count: number, seed: number): Uint8Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = Math.sin((i + seed) * 12.9898) * 0.02;
  return new Uint8Array(a.buffer);
}

/** Layers `from`..`to`−1 over `x` with `mask`; returns the output name. */
function addLayers(shape: Shape, nodes: object[], inits: object[], from: number, to: number, x: string, mask: string): string {
  const { hidden: H, intermediate: I } = shape;
  // One random buffer per matrix shape: every layer gets its own initializer (and packed copy) of it.
  const data = { qkv: randomBytes(H * 3 * H, 1), qkvBias: randomBytes(3 * H, 2), out: randomBytes(H * H, 3), ffnIn: randomBytes(H * I, 4), ffnOut: randomBytes(I * H, 5) };
  const weight = (name: string, dims: number[], rawData: Uint8Array) => {
    inits.push(onnx.TensorProto.create({ name, dims, dataType: ElemType.float, rawData }));
    return name;
  };
  const heads = onnx.AttributeProto.create({ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: shape.heads });
  for (let l = from; l < to; l++) {
    const qkv = weight(`qkv${l}`, [H, 3 * H], data.qkv);
    const bias = weight(`qkv_bias${l}`, [3 * H], data.qkvBias);
    nodes.push(onnx.NodeProto.create({ opType: 'Attention', domain: 'com.microsoft', input: [x, qkv, bias, mask], output: [`ctx${l}`], attribute: [heads] }));
    const matmul = (input: string, w: string, dims: number[], raw: Uint8Array, out: string) => {
      nodes.push(onnx.NodeProto.create({ opType: 'MatMul', input: [input, weight(w, dims, raw)], output: [out] }));
      return out;
    };
    x = matmul(matmul(matmul(`ctx${l}`, `out${l}`, [H, H], data.out, `attn${l}`), `ffn_in${l}`, [H, I], data.ffnIn, `inner${l}`), `ffn_out${l}`, [I, H], data.ffnOut, `y${l}`);
  }
  return x;
}

function encode(nodes: object[], inits: object[], inputs: object[], output: object): Uint8Array {
  const graph = onnx.GraphProto.create({ name: 'raw-stack', node: nodes, initializer: inits, input: inputs, output: [output] });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: IR_VERSION, opsetImport: OPSETS, graph })).finish();
}

export interface RawStack {
  /** n layers over [q; p] (c + m tokens). */
  full(): Promise<unknown>;
  /** k layers over q (c tokens), then n − k over [q; p] with p's states given. */
  deformer(): Promise<unknown>;
  close(): Promise<void>;
}

/** Opens both sides for a c-token question and an m-token passage at split k. */
export async function openRawStack(shape: Shape, k: number, c: number, m: number, threads: number): Promise<RawStack> {
  const H = shape.hidden;
  const fullNodes: object[] = [];
  const fullInits: object[] = [];
  const fullOut = addLayers(shape, fullNodes, fullInits, 0, shape.layers, 'x', 'mask');
  const fullGraph = encode(fullNodes, fullInits, [valueInfo('x', ElemType.float, [1, 'T', H]), valueInfo('mask', ElemType.int32, [1, 'T'])], valueInfo(fullOut, ElemType.float, [1, 'T', H]));

  const nodes: object[] = [];
  const inits: object[] = [];
  const question = addLayers(shape, nodes, inits, 0, k, 'q', 'question_mask');
  nodes.push(onnx.NodeProto.create({ opType: 'Concat', input: [question, 'p'], output: ['joint'], attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 })] }));
  const out = addLayers(shape, nodes, inits, k, shape.layers, 'joint', 'mask');
  const inputs = [valueInfo('q', ElemType.float, [1, 'Tq', H]), valueInfo('p', ElemType.float, [1, 'Tp', H]), valueInfo('question_mask', ElemType.int32, [1, 'Tq']), valueInfo('mask', ElemType.int32, [1, 'T'])];
  const deformerGraph = encode(nodes, inits, inputs, valueInfo(out, ElemType.float, [1, 'T', H]));

  const options = sessionOptions('cpu', threads);
  const fullSession = await ort.InferenceSession.create(fullGraph, options);
  const deformerSession = await ort.InferenceSession.create(deformerGraph, options);
  const states = (tokens: number, seed: number) => new ort.Tensor('float32', new Float32Array(randomBytes(tokens * H, seed).buffer), [1, tokens, H]);
  const ones = (tokens: number) => new ort.Tensor('int32', new Int32Array(tokens).fill(1), [1, tokens]);
  const fullFeeds = { x: states(c + m, 6), mask: ones(c + m) };
  const deformerFeeds = { q: states(c, 7), p: states(m, 8), question_mask: ones(c), mask: ones(c + m) };
  return {
    full: () => fullSession.run(fullFeeds),
    deformer: () => deformerSession.run(deformerFeeds),
    close: async () => {
      await fullSession.release();
      await deformerSession.release();
    },
  };
}
