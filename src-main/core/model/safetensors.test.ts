import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir } from '../testing/paths';
import { f16ToF32, f32ToF16 } from './half-float';
import { parseSafetensors, readSafetensors, writeSafetensors } from './safetensors';
import { encodeHeader, encodeSafetensors, rawF32, rawHeader } from './safetensors-test-util';

const tmp = mkdtempSync(join(tmpdir(), 'desk-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = join(tinyBertDir, 'model.safetensors');

/** Runs `fn`, expects a DeskError with `code`, returns its message. */
function errorOf(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (err) {
    if (!isDeskError(err)) throw err;
    expect(err.code).toBe(code);
    return err.message;
  }
  throw new Error('expected an error');
}

describe('readSafetensors', () => {
  it('reads the golden BERT file: 71 F32 tensors, values as a DataView reads them', () => {
    const bytes = readFileSync(fixture);
    const tensors = readSafetensors(fixture);
    expect(tensors.size).toBe(71);
    const emb = tensors.get('bert.embeddings.word_embeddings.weight')!;
    expect(emb.shape).toEqual([30522, 32]);
    for (const i of [0, 1, 31, 32 * 7592 + 5, 30522 * 32 - 1]) {
      expect(emb.data[i]).toBe(rawF32(bytes, 'bert.embeddings.word_embeddings.weight', i));
    }
    const head = tensors.get('qa_outputs.weight')!;
    expect(head.shape).toEqual([2, 32]);
    expect(head.data[63]).toBe(rawF32(bytes, 'qa_outputs.weight', 63));
  });

  it('gives aligned F32 tensors as views over one file buffer, not copies', () => {
    const file = parseSafetensors(readFileSync(fixture), fixture);
    const a = file.tensor('bert.embeddings.word_embeddings.weight').data;
    const b = file.tensor('qa_outputs.bias').data;
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength).toBeGreaterThanOrEqual(statSync(fixture).size);
  });

  it('decodes BF16, F16, F64 and unaligned F32 from hand-made bytes', () => {
    const bf16 = Uint8Array.of(0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40); // 1, -2, 3.140625
    const f16 = Uint8Array.of(0x00, 0x3c, 0x00, 0xb8, 0xff, 0x7b); // 1, -0.5, 65504
    const f64 = new Uint8Array(Float64Array.of(0.1, -3).buffer);
    const f32 = new Uint8Array(Float32Array.of(1.5, -7.25).buffer);
    // BF16 first, 6 bytes: the F32 tensor after it starts at an odd offset, and padTo 1 shifts it again.
    const bytes = encodeSafetensors(
      [
        { name: 'a', dtype: 'BF16', shape: [3], bytes: bf16 },
        { name: 'b', dtype: 'F32', shape: [2, 1], bytes: f32 },
        { name: 'c', dtype: 'F16', shape: [3], bytes: f16 },
        { name: 'd', dtype: 'F64', shape: [2], bytes: f64 },
        { name: 'ids', dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
      ],
      1,
    );
    const path = join(tmp, 'mixed.safetensors');
    writeFileSync(path, bytes);
    const t = readSafetensors(path);
    expect([...t.keys()].sort()).toEqual(['a', 'b', 'c', 'd']); // int64 left out
    expect(Array.from(t.get('a')!.data)).toEqual([1, -2, 3.140625]);
    expect(Array.from(t.get('b')!.data)).toEqual([1.5, -7.25]);
    expect(t.get('b')!.shape).toEqual([2, 1]);
    expect(Array.from(t.get('c')!.data)).toEqual([1, -0.5, 65504]);
    expect(Array.from(t.get('d')!.data)).toEqual([Math.fround(0.1), -3]);
  });
});

describe('writeSafetensors', () => {
  const tensors = [
    { name: 'z.weight', dtype: 'F32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) },
    { name: 'a.bias', dtype: 'F32' as const, shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) },
    { name: 'm.half', dtype: 'F16' as const, shape: [4], data: Float32Array.of(1, 1 / 3, -1000.7, 1e-6) },
  ];

  it("writes Hugging Face's layout: metadata first, names sorted, packed, header padded to 8", () => {
    const path = join(tmp, 'written.safetensors');
    writeSafetensors(path, tensors);
    const bytes = readFileSync(path);
    const { length, entries } = rawHeader(bytes);
    expect((8 + length) % 8).toBe(0);
    expect(bytes.subarray(8, 8 + length).toString()).toMatch(/^\{.*\} *$/); // space padding only
    expect(Object.keys(entries)).toEqual(['__metadata__', 'a.bias', 'm.half', 'z.weight']);
    expect(entries.__metadata__).toEqual({ format: 'pt' });
    expect(entries['a.bias'].data_offsets).toEqual([0, 12]);
    expect(entries['m.half']).toEqual({ dtype: 'F16', shape: [4], data_offsets: [12, 20] });
    expect(entries['z.weight'].data_offsets).toEqual([20, 44]);
    expect(bytes.length).toBe(8 + length + 44);
    expect(bytes.readUInt16LE(8 + length + 12)).toBe(0x3c00); // 1.0 as F16
    expect(rawF32(bytes, 'z.weight', 5)).toBe(-6.5);
  });

  it('round-trips F32 bit for bit and F16 to the nearest half', () => {
    const path = join(tmp, 'roundtrip.safetensors');
    writeSafetensors(path, tensors);
    const back = readSafetensors(path);
    expect(back.get('z.weight')).toEqual({ shape: [2, 3], data: tensors[0].data });
    expect(back.get('a.bias')!.data).toEqual(tensors[1].data);
    expect(back.get('m.half')!.data).toEqual(f16ToF32(f32ToF16(tensors[2].data)));
    expect(back.get('m.half')!.data[1]).toBeCloseTo(1 / 3, 3);
  });

  it('refuses a tensor whose data does not fit its shape', () => {
    expect(() =>
      writeSafetensors(join(tmp, 'bad.safetensors'), [{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }]),
    ).toThrow(/"x" has 2 values for shape \[3\]/);
  });
});

describe('bad files → CHECKPOINT_BAD_WEIGHTS naming the file', () => {
  const good = readFileSync(fixture);
  const check = (name: string, bytes: Uint8Array, pattern: RegExp) => {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    const message = errorOf(() => readSafetensors(path), 'CHECKPOINT_BAD_WEIGHTS');
    expect(message).toContain(path);
    expect(message).toMatch(pattern);
  };

  it('a file cut in the tensor data', () => check('cut.safetensors', good.subarray(0, good.length - 1000), /truncated/));
  it('a file cut in the header', () => check('cut-header.safetensors', good.subarray(0, 100), /truncated/));
  it('a file shorter than the length prefix', () => check('tiny.safetensors', good.subarray(0, 5), /too short/));
  it('an empty file', () => check('empty.safetensors', new Uint8Array(0), /too short/));

  it('a header that is not JSON', () => {
    const broken = Buffer.from(good);
    broken[9] = '#'.charCodeAt(0);
    check('json.safetensors', broken, /not valid JSON/);
  });

  it('a header length that is garbage', () => {
    const broken = Buffer.from(good);
    broken.writeBigUInt64LE(1n << 60n, 0);
    check('len.safetensors', broken, /implausible/);
  });

  it('offsets past the end of the file', () => {
    const header = { x: { dtype: 'F32', shape: [2], data_offsets: [1000, 1008] } };
    check('offsets.safetensors', encodeHeader(header, new Uint8Array(8)), /"x" ends at byte \d+ but the file has \d+ bytes/);
  });

  it('a byte count that does not match dtype and shape', () => {
    const bytes = encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], bytes: new Uint8Array(8) }]);
    check('size.safetensors', bytes, /"x".*needs 12/);
  });

  it('an unknown dtype', () => {
    const bytes = encodeSafetensors([{ name: 'x', dtype: 'Q4', shape: [2], bytes: new Uint8Array(1) }]);
    check('dtype.safetensors', bytes, /unknown dtype "Q4"/);
  });
});
