import { DeskError } from '../errors';
import type { LowerStates } from '../model/types';
import { f16ToF32, f32ToF16 } from '../model/half-float';
import { decodeGroups, encodeGroups, groupBytesPerToken, type GroupCodec } from './group-codec';
import { hadamardInPlace } from './hadamard';
import type { Precision } from './types';

/**
 * Lower states on disk: a 12-byte header, then the values in the store's precision.
 *   byte 0: format version (1, or 2 when byte 2 names a transform); byte 1: precision (0 fp32, 1 fp16,
 *   2 int8, 3 int4, 4 int3); byte 2: transform (0 none; 1 Hadamard-rotated before quantising,
 *   hadamard.ts: what int4 and int3 write since version 2; version-1 records still read); byte 3: zero;
 *   bytes 4–7: tokens (u32 LE); bytes 8–11: hidden (u32 LE);
 *   fp32: float32 [tokens, hidden]; fp16: IEEE half [tokens, hidden];
 *   int8: float32 scale [tokens], then int8 [tokens, hidden] with value = q · scale (symmetric, scale = maxabs/127);
 *   int4 / int3: 4- or 3-bit codes of the rotated states in groups of 32 along hidden, one fp16 scale per group (group-codec.ts).
 * Values are little-endian, as typed arrays are on every platform Node ships for; checked below.
 */

export const statesHeaderBytes = 12;
/** Version 1: no transform byte (a cache written before the rotation); version 2: byte 2 is the transform. */
const formatVersion = 2;
const transformNone = 0;
const transformHadamard = 1;
const precisionCodes: Record<Precision, number> = { fp32: 0, fp16: 1, int8: 2, int4: 3, int3: 4 };
const precisionByCode: Precision[] = ['fp32', 'fp16', 'int8', 'int4', 'int3'];

/** The group codecs behind the low-bit precisions (measured in the size-speed bench; README). */
export const groupCodecs: Record<'int4' | 'int3', GroupCodec> = { int4: { bits: 4, group: 32 }, int3: { bits: 3, group: 32 } };

function isGroupPrecision(p: Precision): p is 'int4' | 'int3' {
  return p === 'int4' || p === 'int3';
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('the state cache format assumes a little-endian machine');
}

/**
 * Stored bytes per token of [tokens, hidden] states (headline figure): fp32 4H, fp16 2H, int8 H + 4
 * (the scale), int4 H/2 + H/16, int3 3H/8 + H/16 (codes + one fp16 scale per 32 values).
 */
export function bytesPerToken(precision: Precision, hidden: number): number {
  if (isGroupPrecision(precision)) return groupBytesPerToken(groupCodecs[precision], hidden);
  return precision === 'fp32' ? 4 * hidden : precision === 'fp16' ? 2 * hidden : hidden + 4;
}

/** int8 codes with one float32 scale per token. */
export interface Int8States {
  scales: Float32Array; // [tokens]
  values: Int8Array; // [tokens, hidden]
}

/** Symmetric per-token int8: q = round(x / scale), scale = maxabs / 127, so |x − q·scale| ≤ scale / 2. */
export function quantizeInt8(
  data: Float32Array,
  tokens: number,
  hidden: number,
  into: Int8States = { scales: new Float32Array(tokens), values: new Int8Array(tokens * hidden) },
): Int8States {
  const { scales, values } = into;
  for (let t = 0; t < tokens; t++) {
    const row = t * hidden;
    let maxAbs = 0;
    for (let h = 0; h < hidden; h++) maxAbs = Math.max(maxAbs, Math.abs(data[row + h]));
    if (!Number.isFinite(maxAbs)) throw new Error(`lower states of token ${t} are not finite; int8 cannot store them`);
    const scale = Math.fround(maxAbs / 127);
    scales[t] = scale;
    if (scale === 0) {
      values.fill(0, row, row + hidden); // `into` may be a reused buffer
      continue;
    }
    for (let h = 0; h < hidden; h++) {
      values[row + h] = Math.max(-127, Math.min(127, Math.round(data[row + h] / scale)));
    }
  }
  return { scales, values };
}

/** int8 codes → float32 [tokens, hidden]. */
export function dequantizeInt8(q: Int8States, tokens: number, hidden: number): Float32Array {
  const out = new Float32Array(tokens * hidden);
  for (let t = 0; t < tokens; t++) {
    const scale = q.scales[t];
    const row = t * hidden;
    for (let h = 0; h < hidden; h++) out[row + h] = q.values[row + h] * scale;
  }
  return out;
}

/**
 * Lower states → one stored record (header + values in `precision`). Written into `scratch` when
 * it is large enough, so a store putting many records reuses one buffer (LMDB copies on put)
 * instead of allocating ~1 MB per passage; else into a new buffer.
 */
export function encodeStates(states: LowerStates, precision: Precision, scratch?: Uint8Array): Uint8Array {
  const { data, tokens, hidden } = states;
  if (data.length !== tokens * hidden) {
    throw new Error(`lower states hold ${data.length} values, expected tokens ${tokens} × hidden ${hidden}`);
  }
  const size = statesHeaderBytes + tokens * bytesPerToken(precision, hidden);
  // The body is read as float32 / uint16 in place: it must start 4-byte aligned.
  const out = scratch && scratch.byteLength >= size && scratch.byteOffset % 4 === 0 ? scratch.subarray(0, size) : new Uint8Array(size);
  const header = new DataView(out.buffer, out.byteOffset, statesHeaderBytes);
  header.setUint32(0, 0); // bytes 2–3 stay zero in a reused buffer
  const rotate = isGroupPrecision(precision);
  header.setUint8(0, rotate ? formatVersion : 1);
  header.setUint8(1, precisionCodes[precision]);
  header.setUint8(2, rotate ? transformHadamard : transformNone);
  header.setUint32(4, tokens, true);
  header.setUint32(8, hidden, true);
  const bodyAt = out.byteOffset + statesHeaderBytes;
  if (precision === 'fp32') out.set(asBytes(data), statesHeaderBytes);
  else if (precision === 'fp16') f32ToF16(data, new Uint16Array(out.buffer, bodyAt, tokens * hidden));
  else if (rotate) {
    const rotated = rotationScratch(tokens * hidden);
    rotated.set(data);
    hadamardInPlace(rotated, tokens, hidden);
    encodeGroups(rotated, tokens, hidden, groupCodecs[precision], out.subarray(statesHeaderBytes));
  } else {
    const scales = new Float32Array(out.buffer, bodyAt, tokens);
    quantizeInt8(data, tokens, hidden, { scales, values: new Int8Array(out.buffer, bodyAt + 4 * tokens, tokens * hidden) });
  }
  return out;
}

let rotationBuffer = new Float32Array(0);

/** One buffer for the rotated copy, grown as needed: the caller's states are never changed. */
function rotationScratch(n: number): Float32Array {
  if (rotationBuffer.length < n) rotationBuffer = new Float32Array(n);
  return rotationBuffer.subarray(0, n);
}

/** The header of a stored record; throws STORE_CORRUPT when it is not one this code wrote. */
export function readStatesHeader(bytes: Uint8Array, id: string): { precision: Precision; tokens: number; hidden: number; rotated: boolean } {
  if (bytes.length < statesHeaderBytes) corrupt(id, `${bytes.length} bytes is shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, statesHeaderBytes);
  const version = view.getUint8(0);
  const precision = precisionByCode[view.getUint8(1)];
  const transform = version === 1 ? transformNone : view.getUint8(2);
  if (version !== 1 && version !== formatVersion) corrupt(id, `unknown format version ${version}`);
  if (!precision) corrupt(id, `unknown precision code ${view.getUint8(1)}`);
  if (transform !== transformNone && !(transform === transformHadamard && isGroupPrecision(precision))) corrupt(id, `unknown transform ${transform} for ${precision}`);
  const tokens = view.getUint32(4, true);
  const hidden = view.getUint32(8, true);
  const expected = statesHeaderBytes + tokens * bytesPerToken(precision, hidden);
  if (hidden === 0 || bytes.length !== expected) {
    corrupt(id, `${bytes.length} bytes, but ${tokens} tokens × hidden ${hidden} in ${precision} needs ${expected}`);
  }
  return { precision, tokens, hidden, rotated: transform === transformHadamard };
}

/**
 * A stored record → fresh float32 states [tokens, hidden]. `bytes` may be LMDB's reused read buffer
 * (getBinaryFast) at any alignment: values are copied out before anything else reads the store.
 */
export function decodeStates(bytes: Uint8Array, id: string): LowerStates & { precision: Precision } {
  const { precision, tokens, hidden, rotated } = readStatesHeader(bytes, id);
  const body = bytes.subarray(statesHeaderBytes);
  const n = tokens * hidden;
  let data: Float32Array;
  if (precision === 'fp32') {
    data = new Float32Array(n);
    asBytes(data).set(body);
  } else if (precision === 'fp16') {
    const bits = new Uint16Array(n);
    asBytes(bits).set(body);
    data = f16ToF32(bits);
  } else if (isGroupPrecision(precision)) {
    data = decodeGroups(body, tokens, hidden, groupCodecs[precision]);
    if (rotated) hadamardInPlace(data, tokens, hidden);
  } else {
    const scales = new Float32Array(tokens);
    asBytes(scales).set(body.subarray(0, 4 * tokens));
    const values = new Int8Array(body.buffer, body.byteOffset + 4 * tokens, n);
    data = dequantizeInt8({ scales, values }, tokens, hidden);
  }
  return { data, tokens, hidden, precision };
}

function asBytes(a: Float32Array | Uint16Array | Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function corrupt(id: string, why: string): never {
  throw new DeskError('STORE_CORRUPT', `Cached lower states of passage ${id} are damaged (${why}); re-index the document.`, { id });
}
