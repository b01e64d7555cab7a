import { constants, deflateRawSync } from 'node:zlib';
import type { ZipEntryInput } from './zip-writer';

/**
 * A zip-bomb entry, built in milliseconds: deflate blocks ending in a full flush are byte-aligned
 * and start from an empty dictionary, so one compressed megabyte of `fill` repeated n times
 * inflates to n MB. `declaredSize` is what the headers claim (a bomb lies to pass size checks).
 */
export function bombEntry(name: string, head: string, megabytes: number, tail: string, declaredSize: number): ZipEntryInput {
  const flushed = (data: Buffer) => deflateRawSync(data, { finishFlush: constants.Z_FULL_FLUSH });
  const megabyte = flushed(Buffer.alloc(1 << 20, 'a'));
  const compressed = Buffer.concat([flushed(Buffer.from(head)), ...Array<Buffer>(megabytes).fill(megabyte), deflateRawSync(Buffer.from(tail))]);
  return { name, data: Buffer.alloc(0), raw: { compressed, uncompressedSize: declaredSize, crc: 0 } };
}
