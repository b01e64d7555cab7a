import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isIgnoredName } from './path-rules';
import { isSupportedPath } from '../text/extract';

/** A file found on disk, with what the fast unchanged-check needs. */
export interface DiskFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Lists the indexable files under `folder`. Symbolic links are never followed (neither to
 * files nor to folders), so a link loop cannot make the walk endless; ignored names are not
 * entered. Folders that vanish or cannot be read mid-walk are passed over: the watcher (or the
 * next scan) catches up with them.
 */
export async function scanFolder(folder: string, signal?: AbortSignal): Promise<DiskFile[]> {
  const files: DiskFile[] = [];
  const pending = [folder];
  while (pending.length > 0) {
    if (signal?.aborted) break;
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // An unreadable root must not look like an empty folder (that would drop its documents).
      if (dir === folder) throw err;
      continue;
    }
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && isSupportedPath(path)) {
        const stats = await lstat(path).catch(() => undefined);
        if (stats?.isFile()) files.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
      }
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
