import type { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DeskError } from '../errors';

/**
 * Caps on what reading a zip-based document (docx, epub, odt, pptx) may inflate. A zip bomb is a
 * small file whose entries inflate to gigabytes; the file-size cap cannot see it, so these are
 * checked while inflating and the read stops at the first byte over a cap.
 */
export interface ArchiveLimits {
  /** Uncompressed bytes read from all entries together. */
  maxTotalBytes: number;
  /** Entries in the central directory (checked before anything is read). */
  maxEntries: number;
  /** Uncompressed / compressed bytes of one entry, checked once it has inflated past RATIO_GRACE_BYTES. */
  maxRatio: number;
}

const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/**
 * Text parts only (XML, XHTML) are read, never media, so a file whose text inflates to more than
 * 4× the whole file's size cap is either a bomb or far beyond what the indexer holds in memory.
 */
const TOTAL_PER_FILE_CAP = 4;
/** Real documents' XML compresses 5–30×; deflate's ceiling is about 1032×. Apache POI uses the same 100×. */
const MAX_RATIO = 100;
/** Small, repetitive parts (an empty styles.xml) may compress better than MAX_RATIO: judge ratios after 1 MB. */
const RATIO_GRACE_BYTES = 1024 * 1024;

/** The limits for a document under the file-size cap `maxFileBytes` (the Settings value). */
export function archiveLimits(maxFileBytes = DEFAULT_MAX_FILE_BYTES): ArchiveLimits {
  return { maxTotalBytes: TOTAL_PER_FILE_CAP * maxFileBytes, maxEntries: 10_000, maxRatio: MAX_RATIO };
}

/** 'D0 CF 11 E0': an OLE compound file. Office wraps a password-protected docx/pptx in one. */
const COMPOUND_FILE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** How messages name a format: "corrupt EPUB book: …", "… is not really a .epub". */
export interface ArchiveFormat {
  kind: string;
  ext: string;
}

/** A zip-based document opened from memory (the bytes are already within the file-size cap). */
export class Archive {
  private inflated = 0;

  private constructor(
    private readonly zip: ZipFile,
    private readonly entries: Map<string, Entry>,
    private readonly format: ArchiveFormat,
    private readonly limits: ArchiveLimits,
  ) {}

  /** Opens the archive and reads its central directory; throws EXTRACT_ENCRYPTED, EXTRACT_FAILED or EXTRACT_TOO_LARGE. */
  static async open(bytes: Uint8Array, format: ArchiveFormat, limits: ArchiveLimits = archiveLimits()): Promise<Archive> {
    const { kind } = format;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.subarray(0, 8).equals(COMPOUND_FILE)) {
      if (buffer.includes(Buffer.from('EncryptionInfo', 'utf16le'))) {
        throw new DeskError('EXTRACT_ENCRYPTED', `encrypted ${kind}: needs a password`);
      }
      throw new DeskError('EXTRACT_FAILED', `corrupt ${kind}: this is an old binary Office file, not a zip-based one (save it in the newer format)`);
    }
    const zip = await new Promise<ZipFile>((resolve, reject) => {
      yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: false, strictFileNames: false }, (err, z) =>
        err || !z ? reject(notAZip(format, err)) : resolve(z),
      );
    });
    if (zip.entryCount > limits.maxEntries) {
      zip.close();
      throw new DeskError('EXTRACT_TOO_LARGE', `too many parts: this ${kind} has ${zip.entryCount} parts (limit ${limits.maxEntries}); it may be a zip bomb`);
    }
    const entries = await readCentralDirectory(zip, format);
    return new Archive(zip, entries, format, limits);
  }

  /** Entry names in archive order (folders excluded). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** An entry's bytes, inflated under the limits; undefined when there is no such entry. */
  async read(name: string): Promise<Buffer | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    if (entry.isEncrypted()) throw new DeskError('EXTRACT_ENCRYPTED', `encrypted ${this.format.kind}: "${name}" needs a password`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new DeskError('EXTRACT_FAILED', `corrupt ${this.format.kind}: "${name}" uses an unsupported compression method (${entry.compressionMethod})`);
    }
    // The declared size may lie (it is checked again while inflating), but an honest one fails fast.
    if (this.inflated + entry.uncompressedSize > this.limits.maxTotalBytes) throw this.tooLarge(this.inflated + entry.uncompressedSize);
    const isDeflated = entry.compressionMethod === 8;
    const raw = await new Promise<Readable>((resolve, reject) => {
      // yauzl accepts `decompress` only for deflated entries; the inflating is done here, under the limits.
      this.zip.openReadStream(entry, (isDeflated ? { decompress: false } : {}) as yauzl.ZipFileOptions, (err, stream) => (err || !stream ? reject(this.corrupt(name, err)) : resolve(stream)));
    });
    return isDeflated ? this.inflate(raw, name) : this.collect(raw, name);
  }

  /** An entry as UTF-8 text (XML, XHTML); undefined when there is no such entry. */
  async readText(name: string): Promise<string | undefined> {
    return (await this.read(name))?.toString('utf-8');
  }

  close(): void {
    this.zip.close();
  }

  /** Stored entries: counted against the total cap as they arrive. */
  private collect(raw: Readable, name: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      raw.on('data', (chunk: Buffer) => {
        this.inflated += chunk.length;
        if (this.inflated > this.limits.maxTotalBytes) return void (raw.destroy(), reject(this.tooLarge(this.inflated)));
        chunks.push(chunk);
      });
      raw.once('error', (err) => reject(this.corrupt(name, err)));
      raw.once('end', () => resolve(Buffer.concat(chunks)));
    });
  }

  /**
   * Deflated entries, streamed through zlib: after every output chunk the total and the ratio of
   * output to the compressed bytes consumed SO FAR are checked, so a bomb stops after about
   * RATIO_GRACE_BYTES of output, whatever its declared or real size.
   */
  private inflate(raw: Readable, name: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
      const chunks: Buffer[] = [];
      let out = 0;
      const stop = (err: DeskError) => {
        raw.destroy();
        inflate.destroy();
        reject(err);
      };
      inflate.on('data', (chunk: Buffer) => {
        out += chunk.length;
        this.inflated += chunk.length;
        if (this.inflated > this.limits.maxTotalBytes) return stop(this.tooLarge(this.inflated));
        if (out > RATIO_GRACE_BYTES && out > this.limits.maxRatio * Math.max(inflate.bytesWritten, 1)) {
          return stop(
            new DeskError(
              'EXTRACT_TOO_LARGE',
              `too large when unpacked: ${this.format.kind} part "${name}" inflates more than ${this.limits.maxRatio}× its compressed size; it may be a zip bomb`,
              { entry: name, inflatedBytes: out, compressedBytesRead: inflate.bytesWritten },
            ),
          );
        }
        chunks.push(chunk);
      });
      inflate.once('error', (err) => stop(this.corrupt(name, err)));
      raw.once('error', (err) => stop(this.corrupt(name, err)));
      inflate.once('end', () => resolve(Buffer.concat(chunks)));
      raw.pipe(inflate);
    });
  }

  private tooLarge(bytes: number): DeskError {
    return new DeskError(
      'EXTRACT_TOO_LARGE',
      `too large when unpacked: this ${this.format.kind} inflates to more than ${megabytes(this.limits.maxTotalBytes)} MB of text (4× the file size cap); it may be a zip bomb`,
      { inflatedBytes: bytes, maxTotalBytes: this.limits.maxTotalBytes },
    );
  }

  private corrupt(name: string, err: unknown): DeskError {
    return new DeskError('EXTRACT_FAILED', `corrupt ${this.format.kind}: part "${name}" is damaged (${messageOf(err)})`);
  }
}

/**
 * Opens `bytes`, runs `read` and always closes the archive: the one way extractors use it.
 */
export async function withArchive<T>(
  bytes: Uint8Array,
  format: ArchiveFormat,
  limits: ArchiveLimits,
  read: (archive: Archive) => Promise<T>,
): Promise<T> {
  const archive = await Archive.open(bytes, format, limits);
  try {
    return await read(archive);
  } finally {
    archive.close();
  }
}

function readCentralDirectory(zip: ZipFile, format: ArchiveFormat): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    zip.on('entry', (entry: Entry) => {
      if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (err) => {
      zip.close();
      reject(notAZip(format, err));
    });
    zip.readEntry();
  });
}

function notAZip(format: ArchiveFormat, err: unknown): DeskError {
  return new DeskError('EXTRACT_FAILED', `corrupt ${format.kind}: not a valid zip archive (the file is damaged or is not really a ${format.ext})`, {
    reason: messageOf(err),
  });
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}
