/**
 * int8 copies of the Linear weights for `com.microsoft.DynamicQuantizeMatMul`: symmetric, one
 * fp32 scale per output column (scale = max|w| / qMax, zero point 0), so q · scale ≈ w. They live
 * in their own file (`weights-int8.bin`) beside the fp32 `weights.bin`, which stays untouched:
 * fp32 graphs and their caches do not change when int8 graphs are added.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { ElemType } from './graph-builder';
import type { Checkpoint } from '../types';
import { graphWeights, type WeightEntry, type WeightTable } from './weight-table';

/** Weight precision of the Linear layers in a graph. */
export type WeightPrecision = 'fp32' | 'int8';

/** Names of a quantised Linear weight `w` ([in, out]): int8 values [in, out] and scales [out]. */
export const Q = {
  values: (w: string) => `${w}.int8`,
  scales: (w: string) => `${w}.scale`,
};

/** Linear weights that get int8 copies: the packed QKV (for QAttention) and the three other Linears. */
const QUANTISED = /^layer\d+\.(qkv|attn_out|ffn_in|ffn_out)\.w$/;

/** Page alignment, as for weights.bin, so ONNX Runtime can memory-map the tensors. */
const ALIGN = 4096;

/**
 * Largest |q| of a weight: 7 bits, not 8. ONNX Runtime multiplies uint8 activations by int8
 * weights with VPMADDUBSW on x86 CPUs without VNNI (AVX2 only: many Intel CPUs before Ice Lake, AMD before
 * Zen 4), which adds two products in a saturating int16: 2 · 255 · 127 overflows it, 2 · 255 · 63
 * does not. With 127 the tiny BERT's upper logits were off by up to 3.2 times their range on an
 * AMD EPYC (Zen 2); ONNX Runtime's own quantizer calls this `reduce_range`.
 */
export const qMax = 63;

/** w [in, out] → int8 values [in, out] and per-column scales [out]. */
export function quantisePerColumn(w: Float32Array, inDim: number, outDim: number): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(outDim);
  for (let r = 0; r < inDim; r++) {
    for (let c = 0; c < outDim; c++) scales[c] = Math.max(scales[c], Math.abs(w[r * outDim + c]));
  }
  // An all-zero column quantises to zeros under any scale; 1 avoids a division by zero.
  for (let c = 0; c < outDim; c++) scales[c] = scales[c] > 0 ? scales[c] / qMax : 1;
  const values = new Int8Array(inDim * outDim);
  for (let r = 0; r < inDim; r++) {
    for (let c = 0; c < outDim; c++) {
      const q = Math.round(w[r * outDim + c] / scales[c]);
      values[r * outDim + c] = Math.max(-qMax, Math.min(qMax, q));
    }
  }
  return { values, scales };
}

/**
 * Writes the int8 values and scales of every quantised Linear weight (all layers, so one file
 * serves every k) to `path` via a temp file + rename; returns their entries, each naming `location`.
 */
export function writeInt8WeightsFile(checkpoint: Checkpoint, path: string, location: string): WeightTable {
  const entries: Record<string, WeightEntry> = {};
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let offset = 0;
  const put = (name: string, dims: number[], bytes: Uint8Array, dataType: number) => {
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
    entries[name] = { dims, offset, length: bytes.length, location, dataType };
    offset += bytes.length;
  };
  try {
    for (const w of graphWeights(checkpoint)) {
      if (!QUANTISED.test(w.name)) continue;
      const [inDim, outDim] = w.dims;
      const { values, scales } = quantisePerColumn(w.data, inDim, outDim);
      put(Q.values(w.name), w.dims, new Uint8Array(values.buffer), ElemType.int8);
      put(Q.scales(w.name), [outDim], new Uint8Array(scales.buffer), ElemType.float);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { location, entries };
}
