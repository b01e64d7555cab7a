import { open, stat } from 'node:fs/promises';
import { DeskError } from '../errors';

const MB = 1024 * 1024;

/**
 * Reads a whole file after checking with stat that it is a file within `maxBytes`.
 * Every expected failure becomes a DeskError a person can act on.
 */
export async function readDocument(path: string, maxBytes?: number): Promise<Uint8Array> {
  const info = await stat(path).catch((err: unknown) => {
    throw readError(err, 'stat');
  });
  if (!info.isFile()) throw new DeskError('FILE_UNREADABLE', 'cannot read: this is a folder or a device, not a file');
  if (maxBytes !== undefined && info.size > maxBytes) {
    throw new DeskError(
      'FILE_TOO_LARGE',
      `skipped: too large (${formatMb(info.size)} MB > cap ${formatMb(maxBytes)} MB)`,
      { size: info.size, maxBytes },
    );
  }
  try {
    const handle = await open(path, 'r');
    try {
      const bytes = await handle.readFile();
      // A plain Uint8Array view: pdf.js refuses Node Buffers.
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw readError(err, 'read');
  }
}

function formatMb(bytes: number): string {
  return (bytes / MB).toFixed(1).replace(/\.0$/, '');
}

/** Maps Node's fs error codes to messages; `stage` tells a missing file from one deleted mid-read. */
function readError(err: unknown, stage: 'stat' | 'read'): DeskError {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return new DeskError(
        'FILE_UNREADABLE',
        stage === 'stat' ? 'file not found: it was deleted or moved' : 'the file was deleted or moved while being read',
      );
    case 'EACCES':
    case 'EPERM':
      return new DeskError('FILE_UNREADABLE', 'permission denied: this account may not read the file');
    case 'EISDIR':
      return new DeskError('FILE_UNREADABLE', 'cannot read: this is a folder, not a file');
    case 'EBUSY':
    case 'ETXTBSY':
      return new DeskError('FILE_UNREADABLE', 'the file is locked by another program');
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new DeskError('FILE_UNREADABLE', `cannot read the file: ${message}`);
    }
  }
}
