import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { bytesPerToken, decodeStates, dequantizeInt8, encodeStates, quantizeInt8, statesHeaderBytes } from './quantize';
import type { Precision } from './types';

/** Deterministic pseudo-random states [tokens, hidden] spanning several orders of magnitude. */
function randomStates(tokens: number, hidden: number, seed = 1): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const data = new Float32Array(tokens * hidden);
  for (let i = 0; i < data.length; i++) data[i] = (next() - 0.5) * 10 ** (next() * 6 - 3);
  return data;
}

function roundTrip(values: number[], precision: Precision): Float32Array {
  const data = Float32Array.from(values);
  return decodeStates(encodeStates({ data, tokens: 1, hidden: data.length }, precision), 'p').data;
}

function corruptError(bytes: Uint8Array): unknown {
  try {
    decodeStates(bytes, 'p');
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('state records', () => {
  it.each<Precision>(['fp32', 'fp16', 'int8', 'int4', 'int3'])('%s: encoding into a reused scratch buffer gives the same bytes as a fresh one', (precision) => {
    const scratch = new Uint8Array(statesHeaderBytes + 9 * 4 * 16);
    const big = { data: randomStates(9, 16, 7), tokens: 9, hidden: 16 };
    expect(Array.from(encodeStates(big, precision, scratch))).toEqual(Array.from(encodeStates(big, precision)));
    // A smaller record after it, with an all-zero token: nothing of the previous record may remain.
    const data = randomStates(3, 16, 8);
    data.fill(0, 16, 32);
    const small = { data, tokens: 3, hidden: 16 };
    const reused = encodeStates(small, precision, scratch);
    expect(reused.buffer).toBe(scratch.buffer);
    expect(Array.from(reused)).toEqual(Array.from(encodeStates(small, precision)));
    // Too small or misaligned scratch: a fresh buffer instead.
    expect(encodeStates(big, precision, new Uint8Array(8)).length).toBe(statesHeaderBytes + 9 * bytesPerToken(precision, 16));
    expect(Array.from(encodeStates(small, precision, scratch.subarray(1)))).toEqual(Array.from(reused));
  });

  it('store fp32 exactly, with tokens and hidden in the header', () => {
    const data = randomStates(7, 13);
    const bytes = encodeStates({ data, tokens: 7, hidden: 13 }, 'fp32');
    expect(bytes.length).toBe(statesHeaderBytes + 7 * 4 * 13);
    const back = decodeStates(bytes, 'p');
    expect(back).toMatchObject({ tokens: 7, hidden: 13, precision: 'fp32' });
    expect(back.data).toEqual(data);
    expect(back.data).not.toBe(data);
  });

  it('size each precision as the headline bytes per token say', () => {
    expect(bytesPerToken('fp32', 768)).toBe(3072);
    expect(bytesPerToken('fp16', 768)).toBe(1536);
    expect(bytesPerToken('int8', 768)).toBe(772);
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const bytes = encodeStates({ data: randomStates(5, 8), tokens: 5, hidden: 8 }, precision);
      expect(bytes.length - statesHeaderBytes).toBe(5 * bytesPerToken(precision, 8));
    }
  });

  it('decode from any byte alignment (LMDB buffers need not be aligned)', () => {
    const data = randomStates(3, 5);
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const bytes = encodeStates({ data, tokens: 3, hidden: 5 }, precision);
      const shifted = new Uint8Array(bytes.length + 3);
      shifted.set(bytes, 3);
      expect(decodeStates(shifted.subarray(3), 'p').data).toEqual(decodeStates(bytes, 'p').data);
    }
  });

  it('reject damaged records with STORE_CORRUPT', () => {
    const good = encodeStates({ data: randomStates(2, 4), tokens: 2, hidden: 4 }, 'fp16');
    const truncated = good.subarray(0, good.length - 1);
    const badVersion = good.slice();
    badVersion[0] = 9;
    const badPrecision = good.slice();
    badPrecision[1] = 7;
    const badTokens = good.slice();
    new DataView(badTokens.buffer).setUint32(4, 3, true);
    for (const bytes of [truncated, badVersion, badPrecision, badTokens, good.subarray(0, 5)]) {
      expect(isDeskError(corruptError(bytes), 'STORE_CORRUPT')).toBe(true);
    }
    expect(corruptError(good)).toBeUndefined();
  });

  it('refuse states whose size disagrees with tokens × hidden', () => {
    expect(() => encodeStates({ data: new Float32Array(5), tokens: 2, hidden: 3 }, 'fp32')).toThrow(/tokens 2 × hidden 3/);
  });
});

describe('fp16', () => {
  it('keeps relative error within 2^-11 over the normal range', () => {
    const data = randomStates(64, 64, 7);
    const back = decodeStates(encodeStates({ data, tokens: 64, hidden: 64 }, 'fp16'), 'p').data;
    let worst = 0;
    for (let i = 0; i < data.length; i++) {
      if (Math.abs(data[i]) < 2 ** -14) continue; // subnormal halves have absolute, not relative, precision
      worst = Math.max(worst, Math.abs(back[i] - data[i]) / Math.abs(data[i]));
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2 ** -11);
  });

  it('rounds ties to even', () => {
    // Halfway between 1 and 1 + 2^-10 → 1 (even); halfway between 1 + 2^-10 and 1 + 2^-9 → 1 + 2^-9 (even).
    expect(Array.from(roundTrip([1 + 2 ** -11, 1 + 3 * 2 ** -11], 'fp16'))).toEqual([1, 1 + 2 ** -9]);
  });

  it('handles subnormals, overflow, infinities and NaN', () => {
    const tiny = 2 ** -24; // smallest subnormal half
    const back = roundTrip([tiny, 3 * tiny, -5 * tiny, tiny / 2, tiny * 0.51, 2 ** -14, 65504, 65519, 65520, 1e6, -Infinity, NaN], 'fp16');
    expect(Array.from(back.subarray(0, 11))).toEqual([tiny, 3 * tiny, -5 * tiny, 0, tiny, 2 ** -14, 65504, 65504, Infinity, Infinity, -Infinity]);
    expect(back[11]).toBeNaN();
    expect(Object.is(roundTrip([-tiny / 4], 'fp16')[0], -0)).toBe(true);
  });
});

describe('int8', () => {
  it('keeps every value within half its token scale, scale = maxabs / 127', () => {
    const tokens = 16;
    const hidden = 48;
    const data = randomStates(tokens, hidden, 3);
    const q = quantizeInt8(data, tokens, hidden);
    const back = decodeStates(encodeStates({ data, tokens, hidden }, 'int8'), 'p').data;
    expect(back).toEqual(dequantizeInt8(q, tokens, hidden));
    for (let t = 0; t < tokens; t++) {
      const row = data.subarray(t * hidden, (t + 1) * hidden);
      const maxAbs = Math.max(...Array.from(row, Math.abs));
      expect(q.scales[t]).toBeCloseTo(maxAbs / 127, 6);
      for (let h = 0; h < hidden; h++) {
        expect(Math.abs(back[t * hidden + h] - row[h])).toBeLessThanOrEqual((q.scales[t] / 2) * (1 + 1e-6));
      }
      // The largest magnitude maps to ±127.
      expect(Math.max(...Array.from(q.values.subarray(t * hidden, (t + 1) * hidden), Math.abs))).toBe(127);
    }
  });

  it('scales each token on its own, so a loud token does not drown a quiet one', () => {
    const back = roundTrip([1000, -1000], 'int8');
    expect(Array.from(back)).toEqual([1000, -1000]);
    const data = Float32Array.from([1000, 1, 0.001, 0.002]);
    const q = decodeStates(encodeStates({ data, tokens: 2, hidden: 2 }, 'int8'), 'p').data;
    expect(q[3]).toBeCloseTo(0.002, 6);
    expect(q[2]).toBeCloseTo(0.001, 4);
  });

  it('stores an all-zero token as zeros and refuses non-finite states', () => {
    expect(Array.from(roundTrip([0, 0, 0], 'int8'))).toEqual([0, 0, 0]);
    expect(() => quantizeInt8(Float32Array.from([1, Infinity]), 1, 2)).toThrow(/not finite/);
  });
});
