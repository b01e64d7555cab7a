import { statfs } from 'node:fs/promises';
import { DeskError } from '../errors';
import { formatBytes } from './progress';

/** Bytes free to this user on the filesystem holding `dir`. */
export type FreeBytes = (dir: string) => Promise<number>;

export const freeBytes: FreeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

/** Throws HUB_DISK_FULL, with both numbers, when `dir` has less than `needed` bytes (+1% slack) free. */
export async function assertFreeSpace(dir: string, needed: number, free: FreeBytes = freeBytes): Promise<void> {
  const available = await free(dir);
  const wanted = Math.ceil(needed * 1.01);
  if (available < wanted) {
    throw new DeskError(
      'HUB_DISK_FULL',
      `not enough disk space in ${dir}: needs ${formatBytes(wanted)}, only ${formatBytes(available)} free`,
      { dir, needed: wanted, available },
    );
  }
}

/** An ENOSPC from a write, as HUB_DISK_FULL naming the file. */
export function isDiskFull(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOSPC' || (err as NodeJS.ErrnoException)?.code === 'EDQUOT';
}

export function diskFullError(file: string): DeskError {
  return new DeskError('HUB_DISK_FULL', `the disk filled up while writing ${file}; free some space and try again`, { file });
}
