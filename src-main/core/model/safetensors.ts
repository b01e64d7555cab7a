import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { DeskError } from '../errors';
import { bf16ToF32, f16ToF32, f32ToF16 } from './half-float';
import type { WeightTensor } from './types';

/**
 * The safetensors format (huggingface/safetensors, "Format"): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the byte buffer, offsets relative to its start. Every check here turns a bad file into
 * CHECKPOINT_BAD_WEIGHTS naming it, never a RangeError deep in a typed-array constructor.
 */

/** One tensor's header entry; `dataOffsets` are relative to the buffer after the header. */
export interface SafetensorsEntry {
  dtype: 'F32' | 'F16' | 'BF16' | string;
  shape: number[];
  dataOffsets: [number, number];
}

/** A parsed file: header entries plus lazy float32 decoding of any float tensor. */
export interface SafetensorsFile {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Widens one float tensor (F32/F16/BF16/F64) to float32; F32 is a zero-copy view when 4-byte aligned. */
  tensor(name: string): WeightTensor;
}

const itemSizes: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2,
  I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
};

/** Dtypes `tensor()` widens to float32. */
export const floatDtypes: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);

/** The reference implementation refuses larger headers; so do we, before decoding garbage. */
const maxHeaderBytes = 100_000_000;

/** Reads a .safetensors file and widens every float tensor to float32; non-float tensors (int64 `position_ids`) are left out. */
export function readSafetensors(path: string): Map<string, WeightTensor> {
  const file = parseSafetensors(readFileSync(path), path);
  const out = new Map<string, WeightTensor>();
  for (const [name, entry] of file.entries) {
    if (floatDtypes.has(entry.dtype)) out.set(name, file.tensor(name));
  }
  return out;
}

/** Parses and validates the header of safetensors `bytes` (the whole file); `file` is named in errors. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const bad = (problem: string): never => {
    throw new DeskError('CHECKPOINT_BAD_WEIGHTS', `${file}: ${problem}`, { file });
  };
  if (bytes.length < 8) bad(`only ${bytes.length} bytes, too short for a safetensors header (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > maxHeaderBytes) bad(`header length ${headerLength} is implausible; not a safetensors file`);
  if (8 + headerLength > bytes.length) {
    bad(`header says ${headerLength} bytes but only ${bytes.length - 8} follow; the file is truncated`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    bad(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');

  const dataStart = 8 + headerLength;
  const bufferLength = bytes.length - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (typeof e !== 'object' || e === null) bad(`tensor "${name}": entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string' || !(dtype in itemSizes)) bad(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isIndex)) bad(`tensor "${name}": bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      bad(`tensor "${name}": bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expectedBytes = (shape as number[]).reduce((a, b) => a * b, 1) * itemSizes[dtype as string];
    if (end - begin !== expectedBytes) {
      bad(`tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${expectedBytes}`);
    }
    if (end > bufferLength) {
      bad(`tensor "${name}" ends at byte ${dataStart + end} but the file has ${bytes.length} bytes; the file is truncated`);
    }
    entries.set(name, { dtype: dtype as string, shape: shape as number[], dataOffsets: [begin, end] });
  }

  const tensor = (name: string): WeightTensor => {
    const entry = entries.get(name);
    if (!entry) return bad(`no tensor "${name}"`);
    const start = bytes.byteOffset + dataStart + entry.dataOffsets[0];
    const count = (entry.dataOffsets[1] - entry.dataOffsets[0]) / itemSizes[entry.dtype];
    // Typed-array views need an aligned offset; copy the few unaligned tensors instead.
    const region = <T>(size: number, make: (buf: ArrayBufferLike, offset: number, n: number) => T): T => {
      if (start % size === 0) return make(bytes.buffer, start, count);
      const copy = new Uint8Array(count * size); // Buffer#slice would be a view, not a copy
      copy.set(bytes.subarray(start - bytes.byteOffset, start - bytes.byteOffset + count * size));
      return make(copy.buffer, 0, count);
    };
    const shape = [...entry.shape];
    switch (entry.dtype) {
      case 'F32':
        return { shape, data: region(4, (b, o, n) => new Float32Array(b, o, n)) };
      case 'F16':
        return { shape, data: f16ToF32(region(2, (b, o, n) => new Uint16Array(b, o, n))) };
      case 'BF16':
        return { shape, data: bf16ToF32(region(2, (b, o, n) => new Uint16Array(b, o, n))) };
      case 'F64':
        return { shape, data: Float32Array.from(region(8, (b, o, n) => new Float64Array(b, o, n))) };
      default:
        return bad(`tensor "${name}" has dtype ${entry.dtype}; weights must be F32, F16 or BF16`);
    }
  };
  return { entries, metadata, tensor };
}

/** A tensor to write: float32 values, stored as F32 or F16. */
export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16';
  shape: number[];
  data: Float32Array; // [prod(shape)]
}

/**
 * Writes tensors in Hugging Face's layout: `__metadata__: {format: 'pt'}` first, tensors sorted by
 * name and packed back to back, header space-padded so the buffer starts 8-byte aligned.
 * Writes to a temporary file and renames, so a crash never leaves a half-written checkpoint.
 */
export function writeSafetensors(path: string, tensors: TensorToWrite[]): void {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of sorted) {
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor "${t.name}"`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`writeSafetensors: "${t.name}" has ${t.data.length} values for shape [${t.shape}]`);
    }
    const size = count * itemSizes[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, prefix);
    writeAll(fd, headerBytes);
    for (const t of sorted) {
      const raw = t.dtype === 'F16' ? f32ToF16(t.data) : t.data;
      writeAll(fd, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    }
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  // Large views are written in slices: one writeSync may write fewer bytes than asked.
  for (let done = 0; done < bytes.length; ) {
    done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 28));
  }
}
