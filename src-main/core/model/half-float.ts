/**
 * IEEE half (F16) and bfloat16 (BF16) ⇄ float32, for safetensors weights.
 * F16 decodes through a 65,536-entry table (256 KB, built once); encoding rounds to nearest even.
 */

let f16Table: Float32Array | undefined;

/** Float value of every F16 bit pattern. */
function table(): Float32Array {
  if (f16Table) return f16Table;
  f16Table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    f16Table[h] =
      exp === 0
        ? sign * mant * 2 ** -24 // subnormal
        : exp === 0x1f
          ? mant
            ? NaN
            : sign * Infinity
          : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return f16Table;
}

/** F16 bit patterns → float32. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}

/** BF16 bit patterns → float32: a bfloat16 is the top half of a float32. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const out32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) out32[i] = bits[i] << 16;
  return out;
}

/** float32 → F16 bit patterns, round to nearest even; overflow becomes ±Infinity. */
export function f32ToF16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  const bits32 = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32BitsToF16(bits32[i]);
  return out;
}

/** float32 → BF16 bit patterns, round to nearest even (NaN stays NaN). */
export function f32ToBf16(values: Float32Array): Uint16Array {
  const bits32 = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits32[i];
    if ((x & 0x7fffffff) > 0x7f800000) out[i] = (x >>> 16) | 0x40;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: value = m · 2^-24 with m = (1.mant · 2^23) >> (14 - e).
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = full & ((1 << shift) - 1);
    let m = full >>> shift;
    if (rem > half || (rem === half && m & 1)) m++;
    return sign | m; // a carry into bit 10 is the smallest normal, as it should be
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent rounds up correctly, to Inf at most
  return h;
}
