/**
 * Low-bit group quantisation of lower states: each token's hidden vector is cut into groups of
 * `group` values along hidden; each group keeps one fp16 scale (max|x| / (2^(bits−1) − ½)) and
 * `bits`-bit codes on a mid-rise grid, value = (code − 2^(bits−1) + ½) · scale, so every code is a
 * used level and |x − value| ≤ scale / 2. No zero point: the states after a LayerNorm are close to
 * zero-mean per group, and a zero point would cost another 2 bytes per group.
 *
 * Body layout for [tokens, hidden]: fp16 scales [tokens, groups], then codes [tokens, rowBytes],
 * each row packed little-endian 8 codes at a time (rows are padded to a multiple of 8 codes).
 */
import { f16ToF32, f32ToF16 } from '../model/half-float';

/** A group codec's shape: bits per value and values per scale. */
export interface GroupCodec {
  bits: 3 | 4;
  group: number;
}

/** Groups per token, and packed code bytes per token. */
export function groupLayout(codec: GroupCodec, hidden: number): { groups: number; rowBytes: number } {
  return { groups: Math.ceil(hidden / codec.group), rowBytes: (Math.ceil(hidden / 8) * 8 * codec.bits) / 8 };
}

/** Stored bytes per token: 2 per group scale + the packed codes. */
export function groupBytesPerToken(codec: GroupCodec, hidden: number): number {
  const { groups, rowBytes } = groupLayout(codec, hidden);
  return 2 * groups + rowBytes;
}

/** float32 [tokens, hidden] → the body bytes, written into `out` (length tokens · groupBytesPerToken). */
export function encodeGroups(data: Float32Array, tokens: number, hidden: number, codec: GroupCodec, out: Uint8Array): void {
  const { groups, rowBytes } = groupLayout(codec, hidden);
  const half = 1 << (codec.bits - 1);
  const top = 2 * half - 1;
  const scales = new Float32Array(tokens * groups);
  for (let t = 0; t < tokens; t++) {
    for (let g = 0; g < groups; g++) {
      let maxAbs = 0;
      const end = Math.min(hidden, (g + 1) * codec.group);
      for (let h = g * codec.group; h < end; h++) maxAbs = Math.max(maxAbs, Math.abs(data[t * hidden + h]));
      if (!Number.isFinite(maxAbs)) throw new Error(`lower states of token ${t} are not finite; a ${codec.bits}-bit codec cannot store them`);
      scales[t * groups + g] = maxAbs / (half - 0.5);
    }
  }
  const bits = f32ToF16(scales);
  // The codes are computed against the fp16 scale the decoder will read, not the exact one.
  const stored = f16ToF32(bits);
  out.set(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength), 0);
  const codesAt = 2 * tokens * groups;
  out.fill(0, codesAt, codesAt + tokens * rowBytes);
  for (let t = 0; t < tokens; t++) {
    let at = codesAt + t * rowBytes;
    for (let h0 = 0; h0 < hidden; h0 += 8) {
      let word = 0; // 8 codes × bits ≤ 32 bits
      for (let j = 0; j < 8; j++) {
        const h = h0 + j;
        let code = half;
        if (h < hidden) {
          const scale = stored[t * groups + Math.floor(h / codec.group)];
          code = scale > 0 ? Math.min(top, Math.max(0, Math.floor(data[t * hidden + h] / scale) + half)) : half;
        }
        word += code * 2 ** (j * codec.bits);
      }
      for (let b = 0; b < codec.bits; b++) out[at++] = Math.floor(word / 2 ** (8 * b)) & 0xff;
    }
  }
}

/** The body bytes → float32 [tokens, hidden]. `body` may sit at any alignment. */
export function decodeGroups(body: Uint8Array, tokens: number, hidden: number, codec: GroupCodec): Float32Array {
  const { groups, rowBytes } = groupLayout(codec, hidden);
  const bits = new Uint16Array(tokens * groups);
  new Uint8Array(bits.buffer).set(body.subarray(0, 2 * tokens * groups));
  const scales = f16ToF32(bits);
  const half = 1 << (codec.bits - 1);
  const mask = (1 << codec.bits) - 1;
  const out = new Float32Array(tokens * hidden);
  const codesAt = 2 * tokens * groups;
  for (let t = 0; t < tokens; t++) {
    let at = codesAt + t * rowBytes;
    const row = t * hidden;
    for (let h0 = 0; h0 < hidden; h0 += 8) {
      let word = 0;
      for (let b = 0; b < codec.bits; b++) word |= body[at++] << (8 * b); // ≤ 32 bits: `|` is safe up to bit 31
      word >>>= 0;
      const n = Math.min(8, hidden - h0);
      for (let j = 0; j < n; j++) {
        const h = h0 + j;
        const code = (word >>> (j * codec.bits)) & mask;
        out[row + h] = (code - half + 0.5) * scales[t * groups + Math.floor(h / codec.group)];
      }
    }
  }
  return out;
}
