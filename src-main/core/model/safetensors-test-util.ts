/**
 * Test helpers for checkpoint and safetensors tests: a safetensors encoder written independently
 * of `writeSafetensors` (any dtype, raw bytes, chosen padding) and a decoder that reads values
 * straight from the file with a DataView, so tests never check the reader against itself.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One tensor as raw little-endian bytes. */
export interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Encodes tensors in the given order; `padTo` 1 leaves the buffer start unaligned on purpose. */
export function encodeSafetensors(tensors: RawTensor[], padTo = 8): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  return encodeHeader(header, Buffer.concat(tensors.map((t) => t.bytes)), padTo);
}

/** A file from any header object (valid or not) and a byte buffer. */
export function encodeHeader(header: object, buffer: Uint8Array, padTo = 8): Buffer {
  let json = JSON.stringify(header);
  while ((8 + json.length) % padTo !== 0) json += ' ';
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, Buffer.from(json), buffer]);
}

/** Header of a safetensors file, parsed with nothing but JSON.parse. */
export function rawHeader(bytes: Buffer): { length: number; entries: Record<string, any> } {
  const length = Number(bytes.readBigUInt64LE(0));
  return { length, entries: JSON.parse(bytes.subarray(8, 8 + length).toString()) };
}

/** Element `index` of an F32 tensor, read with a DataView at its byte position in the file. */
export function rawF32(bytes: Buffer, name: string, index: number): number {
  const { length, entries } = rawHeader(bytes);
  return bytes.readFloatLE(8 + length + entries[name].data_offsets[0] + 4 * index);
}

/** A writable copy of a fixture checkpoint folder in a fresh temp dir. */
export function copyCheckpoint(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'desk-ckpt-'));
  for (const name of readdirSync(from)) {
    if (name !== 'golden.json') writeFileSync(join(dir, name), readFileSync(join(from, name)));
  }
  return dir;
}
