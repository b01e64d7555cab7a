import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { notIndexed, type Failure } from './failure';
import { isIgnoredName } from './path-rules';
import { isSupportedPath } from '../text/extract';

/** A file found on disk, with what the fast unchanged-check needs. */
export interface DiskFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A path the scan saw and will not index, with the reason its record gives. */
export interface ScanProblem extends DiskFile {
  failure: Failure;
}

/**
 * Lists the indexable files under `folder`. Symbolic links are never followed (neither to
 * files nor to folders), so a link loop cannot make the walk endless; ignored names are not
 * entered. What the walk sees but cannot index goes to `onProblem` so it gets a record: a pipe,
 * socket, device or link with a document's extension, a name that is not valid UTF-8, a folder
 * that cannot be read. Folders and files that vanish mid-walk are passed over: the watcher (or
 * the next scan) catches up with them.
 */
export async function scanFolder(folder: string, signal?: AbortSignal, onProblem?: (problem: ScanProblem) => void): Promise<DiskFile[]> {
  const files: DiskFile[] = [];
  const pending = [folder];
  while (pending.length > 0) {
    if (signal?.aborted) break;
    const dir = pending.pop()!;
    let entries: Array<Dirent<Buffer>>;
    try {
      // Raw names: a name that is not UTF-8 would otherwise come back mangled and unopenable.
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      // An unreadable root must not look like an empty folder (that would drop its documents).
      if (dir === folder) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') onProblem?.({ path: dir, size: 0, mtimeMs: 0, failure: unreadableFolder });
      continue;
    }
    for (const entry of entries) {
      const name = entry.name.toString('utf8');
      if (isIgnoredName(name)) continue;
      const path = join(dir, name);
      if (!isUtf8(entry.name, name)) {
        if (entry.isDirectory() || isSupportedPath(path)) onProblem?.(await badName(dir, entry));
      } else if (entry.isDirectory()) pending.push(path);
      else if (isSupportedPath(path)) {
        const stats = await lstat(path).catch(() => undefined);
        if (stats?.isFile()) files.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
        else if (stats && !stats.isDirectory()) onProblem?.({ path, size: 0, mtimeMs: stats.mtimeMs, failure: notRegular(stats) });
      }
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const unreadableFolder = notIndexed('FOLDER_UNREADABLE', 'folder cannot be read (permission denied): its files are not indexed');

/** Why a path that is not a regular file is not indexed. */
export function notRegular(stats: Stats): Failure {
  if (stats.isSymbolicLink()) return notIndexed('FILE_NOT_REGULAR', 'symbolic link: links are not followed');
  return notIndexed('FILE_NOT_REGULAR', 'not a regular file (a pipe, socket or device)');
}

/** The name decodes and re-encodes to the same bytes. */
function isUtf8(raw: Buffer, decoded: string): boolean {
  return !decoded.includes('\uFFFD') || Buffer.from(decoded, 'utf8').equals(raw);
}

async function badName(dir: string, entry: Dirent<Buffer>): Promise<ScanProblem> {
  const stats = await lstat(Buffer.concat([Buffer.from(dir + sep), entry.name])).catch(() => undefined);
  const what = entry.isDirectory() ? 'folder name is not valid UTF-8: its files are not indexed (rename it)' : 'file name is not valid UTF-8 (rename it)';
  return { path: join(dir, entry.name.toString('utf8')), size: stats?.size ?? 0, mtimeMs: stats?.mtimeMs ?? 0, failure: notIndexed('FILE_NAME_INVALID', what) };
}

/**
 * Whether a record the scan made (FILE_NAME_INVALID, FOLDER_UNREADABLE) still describes the
 * disk: the mangled name is still in its folder, the folder still cannot be read.
 */
export async function isStillAProblem(path: string, code: string | undefined): Promise<boolean> {
  if (code === 'FOLDER_UNREADABLE') {
    return readdir(path).then(
      () => false,
      (err: NodeJS.ErrnoException) => err.code === 'EACCES' || err.code === 'EPERM',
    );
  }
  if (code === 'FILE_NAME_INVALID') {
    const entries = await readdir(dirname(path), { encoding: 'buffer' }).catch(() => [] as Buffer[]);
    return entries.some((raw) => raw.toString('utf8') === basename(path) && !isUtf8(raw, raw.toString('utf8')));
  }
  return false;
}
