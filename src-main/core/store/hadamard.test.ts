import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { decodeGroups, encodeGroups, groupBytesPerToken } from './group-codec';
import { hadamardBlock, hadamardInPlace } from './hadamard';
import { decodeStates, encodeStates, groupCodecs, statesHeaderBytes } from './quantize';

/** States like a transformer's: mostly small values, a few dimensions an order of magnitude larger. */
function statesWithOutliers(tokens: number, hidden: number, seed = 5): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const data = new Float32Array(tokens * hidden);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < hidden; h++) data[t * hidden + h] = gauss() * (h % 61 === 7 ? 12 : 1);
  }
  return data;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('blockwise Hadamard rotation', () => {
  it('picks the largest power-of-two block up to 128 that divides hidden', () => {
    expect([384, 768, 256, 312, 32, 13].map(hadamardBlock)).toEqual([128, 128, 128, 8, 32, 1]);
  });

  it('is its own inverse and keeps each block’s length', () => {
    const data = statesWithOutliers(3, 384);
    const rotated = data.slice();
    hadamardInPlace(rotated, 3, 384);
    expect(relativeError(data, rotated)).toBeGreaterThan(0.5); // it really moved the values
    const norm = (a: Float32Array, at: number) => Math.hypot(...a.subarray(at, at + 128));
    for (let at = 0; at < data.length; at += 128) expect(norm(rotated, at)).toBeCloseTo(norm(data, at), 3);
    hadamardInPlace(rotated, 3, 384);
    for (let i = 0; i < data.length; i++) expect(rotated[i]).toBeCloseTo(data[i], 4);
  });
});

describe('rotated group codecs', () => {
  it('store int3 and int4 with less error than unrotated codes where a few dimensions dominate', () => {
    const tokens = 40;
    const hidden = 384;
    const data = statesWithOutliers(tokens, hidden);
    for (const precision of ['int3', 'int4'] as const) {
      const rotated = decodeStates(encodeStates({ data, tokens, hidden }, precision), 'p');
      expect(rotated.precision).toBe(precision);
      const plain = decodeStates(versionOneRecord(data, tokens, hidden, precision), 'p').data;
      expect(relativeError(data, rotated.data)).toBeLessThan(0.85 * relativeError(data, plain));
    }
  });

  it('leave the caller’s states as they were', () => {
    const data = statesWithOutliers(2, 64);
    const before = data.slice();
    encodeStates({ data, tokens: 2, hidden: 64 }, 'int3');
    expect(data).toEqual(before);
  });

  it('still read a cache written before the rotation (format version 1), unrotated', () => {
    const data = statesWithOutliers(4, 64);
    const old = versionOneRecord(data, 4, 64, 'int3');
    const back = decodeStates(old, 'p').data;
    expect(back).toEqual(decodeGroups(old.subarray(statesHeaderBytes), 4, 64, groupCodecs.int3));
    // The same codes read as rotated would be a different vector: the version byte decides.
    const misread = old.slice();
    misread[0] = 2;
    misread[2] = 1;
    expect(relativeError(data, decodeStates(misread, 'p').data)).toBeGreaterThan(0.5);
  });

  it('refuse an unknown transform, or a rotation on a precision that never has one, with STORE_CORRUPT', () => {
    const int3 = encodeStates({ data: statesWithOutliers(2, 64), tokens: 2, hidden: 64 }, 'int3');
    expect(Array.from(int3.subarray(0, 3))).toEqual([2, 4, 1]);
    const unknown = int3.slice();
    unknown[2] = 9;
    const fp16 = encodeStates({ data: statesWithOutliers(2, 64), tokens: 2, hidden: 64 }, 'fp16');
    expect(fp16[0]).toBe(1); // unrotated precisions keep the first format
    const rotatedFp16 = fp16.slice();
    rotatedFp16[0] = 2;
    rotatedFp16[2] = 1;
    for (const bytes of [unknown, rotatedFp16]) expect(isDeskError(catchError(() => decodeStates(bytes, 'p')), 'STORE_CORRUPT')).toBe(true);
  });
});

/** A record as the store wrote int3/int4 before the rotation: version 1, codes of the states themselves. */
function versionOneRecord(data: Float32Array, tokens: number, hidden: number, precision: 'int3' | 'int4'): Uint8Array {
  const out = new Uint8Array(statesHeaderBytes + tokens * groupBytesPerToken(groupCodecs[precision], hidden));
  const header = new DataView(out.buffer);
  header.setUint8(0, 1);
  header.setUint8(1, precision === 'int4' ? 3 : 4);
  header.setUint32(4, tokens, true);
  header.setUint32(8, hidden, true);
  encodeGroups(data, tokens, hidden, groupCodecs[precision], out.subarray(statesHeaderBytes));
  return out;
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}
