import { crc32, deflateRawSync } from 'node:zlib';

/** One entry of a zip to write; `deflate` compresses it (method 8), otherwise it is stored. */
export interface ZipEntryInput {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Already-deflated bytes to store as method 8 as they are (tests craft zip bombs with it). */
  raw?: { compressed: Buffer; uncompressedSize: number; crc: number };
  /** Unix file type and permissions (e.g. 0o120777 for a symlink; model import tests use it). */
  mode?: number;
}

/**
 * A minimal .zip writer: local headers, central directory, end record; no zip64, no encryption.
 * The docx extractor re-packs the parts it has read under the archive limits with it (stored), so
 * mammoth never inflates anything itself; tests build EPUB/ODT/PPTX files and model .zips with it.
 */
export function makeZip(entries: ZipEntryInput[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf-8');
    const method = entry.raw || entry.deflate ? 8 : 0;
    const body = entry.raw?.compressed ?? (entry.deflate ? deflateRawSync(entry.data) : entry.data);
    const size = entry.raw?.uncompressedSize ?? entry.data.length;
    const crc = entry.raw?.crc ?? crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so external attributes carry the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralDir, end]);
}
