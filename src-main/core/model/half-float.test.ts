import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half-float';

const f16 = (...v: number[]) => Array.from(f32ToF16(Float32Array.from(v)));

describe('F16', () => {
  it('encodes known values, rounding to nearest even', () => {
    expect(f16(1, -2, 0.5, 65504, 0, -0)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0, 0x8000]);
    expect(f16(65520, -1e6, Infinity)).toEqual([0x7c00, 0xfc00, 0x7c00]); // overflow → ±Inf
    expect(f16(2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -26)).toEqual([1, 0, 2, 0]); // subnormal ties to even
    expect(f16(1 + 2 ** -11, 1 + 3 * 2 ** -11)).toEqual([0x3c00, 0x3c02]); // normal ties to even
    expect(f16(2 ** -14 - 2 ** -25)).toEqual([0x0400]); // largest subnormal rounds up into the smallest normal
    expect(f16(NaN)[0] & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(f16ToF32(Uint16Array.of(0x7e00))[0])).toBe(true);
  });

  it('decodes every finite bit pattern and encodes it back to the same bits', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const values = f16ToF32(bits);
    const again = f32ToF16(values);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      if (again[h] !== h) throw new Error(`0x${h.toString(16)} → ${values[h]} → 0x${again[h].toString(16)}`);
    }
    expect(values[0x3555]).toBeCloseTo(1 / 3, 3);
  });
});

describe('BF16', () => {
  it('is the top half of a float32, rounded to nearest even', () => {
    const bits = f32ToBf16(Float32Array.of(1, -2, Math.PI, 1 + 2 ** -8, 1 + 3 * 2 ** -8));
    expect(Array.from(bits)).toEqual([0x3f80, 0xc000, 0x4049, 0x3f80, 0x3f82]);
    expect(Array.from(bf16ToF32(bits))).toEqual([1, -2, 3.140625, 1, 1.015625]);
  });
});
