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

/** Groups per token, and packed code bytes per token. Groups are whole runs of 8 codes (group % 8 = 0). */
export function groupLayout(codec: GroupCodec, hidden: number): { groups: number; rowBytes: number } {
  if (codec.group <= 0 || codec.group % 8 !== 0) throw new RangeError(`a group codec needs groups of a multiple of 8 values, not ${codec.group}`);
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
  const { bits, group } = codec;
  const half = 1 << (bits - 1);
  const top = 2 * half - 1;
  const scales = new Float32Array(tokens * groups);
  for (let t = 0; t < tokens; t++) {
    for (let g = 0; g < groups; g++) {
      let maxAbs = 0;
      const end = Math.min(hidden, (g + 1) * group);
      for (let h = g * group; h < end; h++) {
        const a = Math.abs(data[t * hidden + h]);
        if (a > maxAbs) maxAbs = a;
        else if (a !== a) maxAbs = Infinity; // NaN: refused below like ±Infinity
      }
      if (!Number.isFinite(maxAbs)) throw new Error(`lower states of token ${t} are not finite; a ${bits}-bit codec cannot store them`);
      scales[t * groups + g] = maxAbs / (half - 0.5);
    }
  }
  const f16 = f32ToF16(scales);
  // The codes are computed against the fp16 scale the decoder will read, not the exact one.
  const stored = f16ToF32(f16);
  out.set(new Uint8Array(f16.buffer, f16.byteOffset, f16.byteLength), 0);
  const codesAt = 2 * tokens * groups;
  for (let t = 0; t < tokens; t++) {
    let at = codesAt + t * rowBytes;
    const row = t * hidden;
    for (let h0 = 0; h0 < hidden; h0 += 8) {
      const scale = stored[t * groups + ((h0 / group) | 0)]; // one group holds all 8 (group % 8 = 0)
      const inv = scale > 0 ? 1 / scale : 0;
      const n = Math.min(8, hidden - h0);
      let word = 0; // 8 codes × bits ≤ 32 bits
      for (let j = 0; j < 8; j++) {
        // x · inv lies in ±(half − ½) up to fp16 rounding of the scale, so x · inv + half ≥ 0 and | 0 floors it.
        let code = j < n ? (data[row + h0 + j] * inv + half) | 0 : half;
        if (code > top) code = top;
        else if (code < 0) code = 0;
        word |= code << (j * bits);
      }
      for (let b = 0; b < bits; b++) out[at++] = (word >>> (8 * b)) & 0xff;
    }
  }
}

/** The body bytes → float32 [tokens, hidden]. `body` may sit at any alignment. */
export function decodeGroups(body: Uint8Array, tokens: number, hidden: number, codec: GroupCodec): Float32Array {
  const { groups, rowBytes } = groupLayout(codec, hidden);
  const { bits, group } = codec;
  const f16 = new Uint16Array(tokens * groups);
  new Uint8Array(f16.buffer).set(body.subarray(0, 2 * tokens * groups));
  const scales = f16ToF32(f16);
  const half = 1 << (bits - 1);
  const mask = (1 << bits) - 1;
  const out = new Float32Array(tokens * hidden);
  const codesAt = 2 * tokens * groups;
  for (let t = 0; t < tokens; t++) {
    let at = codesAt + t * rowBytes;
    const row = t * hidden;
    for (let h0 = 0; h0 < hidden; h0 += 8) {
      let word = 0;
      for (let b = 0; b < bits; b++) word |= body[at++] << (8 * b); // ≤ 32 bits: `>>>` below reads it unsigned
      const scale = scales[t * groups + ((h0 / group) | 0)];
      const n = Math.min(8, hidden - h0);
      for (let j = 0; j < n; j++) out[row + h0 + j] = (((word >>> (j * bits)) & mask) - half + 0.5) * scale;
    }
  }
  return out;
}
