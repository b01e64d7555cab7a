import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DeskError } from '../errors';
import { assertFreeSpace, type FreeBytes } from './disk-space';

/**
 * Unpacks a .zip with yauzl (which only reads). Every entry must land inside `destDir`: absolute
 * paths, `..` segments, drive letters and symlinks are refused (zip slip). The total unpacked size
 * is checked against free space before anything is written. Returns the relative paths written.
 */
export async function extractZip(zipPath: string, destDir: string, opts: { signal?: AbortSignal; freeBytes?: FreeBytes } = {}): Promise<string[]> {
  const zip = await openZip(zipPath);
  try {
    const entries = await readEntries(zip, zipPath);
    const root = resolve(destDir);
    const files: Array<{ entry: Entry; target: string }> = [];
    for (const entry of entries) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue; // a folder
      const target = resolve(root, name);
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..') || !target.startsWith(root + sep)) {
        throw new DeskError('BAD_REQUEST', `${zipPath}: refusing entry "${name}", which points outside the folder it unpacks into`, {
          file: zipPath,
          entry: name,
        });
      }
      if (mode === 0o120000) {
        throw new DeskError('BAD_REQUEST', `${zipPath}: refusing symbolic link "${name}"`, { file: zipPath, entry: name });
      }
      if (entry.isEncrypted()) {
        throw new DeskError('FILE_UNREADABLE', `${zipPath}: "${name}" is encrypted; unpack it yourself and import the folder`, {
          file: zipPath,
        });
      }
      files.push({ entry, target });
    }
    await mkdir(root, { recursive: true });
    await assertFreeSpace(root, files.reduce((sum, f) => sum + f.entry.uncompressedSize, 0), opts.freeBytes);
    for (const { entry, target } of files) {
      opts.signal?.throwIfAborted();
      await mkdir(dirname(target), { recursive: true });
      const stream = await openEntry(zip, entry, zipPath);
      await pipeline(stream, createWriteStream(target), { signal: opts.signal });
    }
    return files.map((f) => f.entry.fileName);
  } finally {
    zip.close();
  }
}

function unreadable(zipPath: string, err: unknown): DeskError {
  return new DeskError('FILE_UNREADABLE', `${zipPath} is not a readable .zip: ${(err as Error).message}`, { file: zipPath });
}

function openZip(zipPath: string): Promise<ZipFile> {
  return new Promise((resolvePromise, reject) => {
    // decodeStrings + strictFileNames: yauzl itself rejects absolute and '..' names and backslashes.
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err || !zip ? reject(unreadable(zipPath, err)) : resolvePromise(zip),
    );
  });
}

function readEntries(zip: ZipFile, zipPath: string): Promise<Entry[]> {
  return new Promise((resolvePromise, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolvePromise(entries));
    zip.once('error', (err) => {
      const message = String((err as Error).message);
      reject(
        /invalid relative path|absolute path|invalid characters/i.test(message)
          ? new DeskError('BAD_REQUEST', `${zipPath}: refusing an entry that points outside the folder it unpacks into (${message})`, {
              file: zipPath,
            })
          : unreadable(zipPath, err),
      );
    });
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry, zipPath: string): Promise<NodeJS.ReadableStream> {
  return new Promise((resolvePromise, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(unreadable(zipPath, err)) : resolvePromise(stream)));
  });
}
