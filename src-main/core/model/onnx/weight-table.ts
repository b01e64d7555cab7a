/**
 * Graph weights: HF tensors renamed to architecture-neutral names, Linear weights transposed
 * to [in, out] for MatMul, Q/K/V fused into one [H, 3H] matrix. They are written ONCE per
 * checkpoint into `weights.bin`; every graph's initializers point into it (ONNX external data).
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { DeskError } from '../../errors';
import type { Checkpoint, WeightTensor } from '../types';
import { HF_SPAN_HEAD, hfEmbeddingNames, hfLayerNames } from './hf-names';

/** Where one tensor lives in the weights file. */
export interface WeightEntry {
  dims: number[];
  /** Byte offset into the weights file (aligned, see ALIGN). */
  offset: number;
  /** Byte length (element size × element count). */
  length: number;
  /** File of this tensor when not the table's `location` (int8 weights live in their own file). */
  location?: string;
  /** ONNX element type when not float32 (e.g. int8 = 3). */
  dataType?: number;
}

/** Index of the weights file: graph-neutral name → location. */
export interface WeightTable {
  /** File name relative to the graph files (ORT resolves it next to the .onnx). */
  location: string;
  entries: Record<string, WeightEntry>;
}

/** Page alignment lets ONNX Runtime memory-map large tensors instead of copying them. */
const ALIGN = 4096;

/** A tensor ready for the weights file. */
interface GraphWeight {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** Graph-neutral weight names, shared by the weight writer and the graph emitters. */
export const W = {
  word: 'emb.word', // [vocab, H]
  position: 'emb.position', // [maxPositions, H]
  tokenType: 'emb.token_type', // [typeVocab, H]
  embScale: 'emb.ln.scale',
  embBias: 'emb.ln.bias',
  layer: (i: number, part: LayerPart) => `layer${i}.${part}`,
  headW: 'head.w', // [H, 2]
  headB: 'head.b', // [2]
};

/** Per-layer weights: qkv [H,3H] (+bias [3H]), attnOut [H,H], ffnIn [H,I], ffnOut [I,H], two LayerNorms. */
export type LayerPart =
  | 'qkv.w' | 'qkv.b' | 'attn_out.w' | 'attn_out.b' | 'attn_ln.scale' | 'attn_ln.bias'
  | 'ffn_in.w' | 'ffn_in.b' | 'ffn_out.w' | 'ffn_out.b' | 'out_ln.scale' | 'out_ln.bias';

function take(checkpoint: Checkpoint, name: string, shape: number[]): WeightTensor {
  const t = checkpoint.weights.get(name);
  if (!t) {
    const code = name.startsWith(HF_SPAN_HEAD) ? 'CHECKPOINT_NO_SPAN_HEAD' : 'CHECKPOINT_BAD_WEIGHTS';
    throw new DeskError(code, `The checkpoint in ${checkpoint.dir} has no weight ${name}.`);
  }
  if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
    throw new DeskError(
      'CHECKPOINT_SHAPE_MISMATCH',
      `Weight ${name} in ${checkpoint.dir} has shape [${t.shape}], expected [${shape}].`,
    );
  }
  return t;
}

/** [out, in] → [in, out], and several of them side by side: [in, Σ out]. */
function transposeConcat(mats: WeightTensor[]): Float32Array {
  const inDim = mats[0].shape[1];
  const total = mats.reduce((s, m) => s + m.shape[0], 0);
  const out = new Float32Array(inDim * total);
  let col = 0;
  for (const m of mats) {
    const [rows, cols] = m.shape;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[c * total + col + r] = m.data[r * cols + c];
    }
    col += rows;
  }
  return out;
}

function concat(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.reduce((s, v) => s + v.length, 0));
  let at = 0;
  for (const v of vectors) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** Yields every graph weight of the checkpoint, converted; one at a time to bound memory. */
export function* graphWeights(checkpoint: Checkpoint): Generator<GraphWeight> {
  const { arch, hidden: H, intermediate: I, vocabSize, maxPositions, typeVocabSize, layers } = checkpoint.config;
  const emb = hfEmbeddingNames(arch);
  const vec = (name: string, n: number) => take(checkpoint, name, [n]).data;
  yield { name: W.word, dims: [vocabSize, H], data: take(checkpoint, emb.word, [vocabSize, H]).data };
  yield { name: W.position, dims: [maxPositions, H], data: take(checkpoint, emb.position, [maxPositions, H]).data };
  if (emb.tokenType) {
    yield { name: W.tokenType, dims: [typeVocabSize, H], data: take(checkpoint, emb.tokenType, [typeVocabSize, H]).data };
  }
  yield { name: W.embScale, dims: [H], data: vec(`${emb.norm}.weight`, H) };
  yield { name: W.embBias, dims: [H], data: vec(`${emb.norm}.bias`, H) };
  for (let i = 0; i < layers; i++) {
    const n = hfLayerNames(arch, i);
    const linear = (prefix: string, out: number, inp: number) => take(checkpoint, `${prefix}.weight`, [out, inp]);
    const qkv = [n.query, n.key, n.value].map((p) => linear(p, H, H));
    yield { name: W.layer(i, 'qkv.w'), dims: [H, 3 * H], data: transposeConcat(qkv) };
    yield { name: W.layer(i, 'qkv.b'), dims: [3 * H], data: concat([n.query, n.key, n.value].map((p) => vec(`${p}.bias`, H))) };
    yield { name: W.layer(i, 'attn_out.w'), dims: [H, H], data: transposeConcat([linear(n.attnOut, H, H)]) };
    yield { name: W.layer(i, 'attn_out.b'), dims: [H], data: vec(`${n.attnOut}.bias`, H) };
    yield { name: W.layer(i, 'attn_ln.scale'), dims: [H], data: vec(`${n.attnNorm}.weight`, H) };
    yield { name: W.layer(i, 'attn_ln.bias'), dims: [H], data: vec(`${n.attnNorm}.bias`, H) };
    yield { name: W.layer(i, 'ffn_in.w'), dims: [H, I], data: transposeConcat([linear(n.ffnIn, I, H)]) };
    yield { name: W.layer(i, 'ffn_in.b'), dims: [I], data: vec(`${n.ffnIn}.bias`, I) };
    yield { name: W.layer(i, 'ffn_out.w'), dims: [I, H], data: transposeConcat([linear(n.ffnOut, H, I)]) };
    yield { name: W.layer(i, 'ffn_out.b'), dims: [H], data: vec(`${n.ffnOut}.bias`, H) };
    yield { name: W.layer(i, 'out_ln.scale'), dims: [H], data: vec(`${n.outNorm}.weight`, H) };
    yield { name: W.layer(i, 'out_ln.bias'), dims: [H], data: vec(`${n.outNorm}.bias`, H) };
  }
  yield { name: W.headW, dims: [H, 2], data: transposeConcat([take(checkpoint, `${HF_SPAN_HEAD}.weight`, [2, H])]) };
  yield { name: W.headB, dims: [2], data: vec(`${HF_SPAN_HEAD}.bias`, 2) };
}

/**
 * Writes the checkpoint's graph weights to `path` (via a temp file + rename, so a reader
 * never sees half a file) and returns the table graphs use to reference them.
 */
export function writeWeightsFile(checkpoint: Checkpoint, path: string, location: string): WeightTable {
  const entries: Record<string, WeightEntry> = {};
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let offset = 0;
    for (const w of graphWeights(checkpoint)) {
      offset = Math.ceil(offset / ALIGN) * ALIGN;
      // Float32Array bytes are little-endian on every platform Node ships for.
      const bytes = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
      entries[w.name] = { dims: w.dims, offset, length: bytes.length };
      offset += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { location, entries };
}
