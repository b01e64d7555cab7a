import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isIgnoredName, isInside } from './path-rules';

/**
 * What the person is asked to confirm before a folder is added (Library.addFolder without
 * `confirm`): a folder too big to watch cheaply, or one on a network file system (watched by
 * polling: inotify sees no changes made by other machines).
 */
export interface FolderConcern {
  kind: 'many-files' | 'network';
  message: string;
}

/**
 * Above this many entries (files and folders the indexer would enter) the person is asked first.
 * 20,000 is ten times a large personal document folder, a day or more of indexing at the measured
 * speeds (README "Indexing"), and ~10% of Linux's common default of inotify watches
 * (fs.inotify.max_user_watches 8,192–524,288, shared by every program of the user): past it a
 * folder is more likely a source tree, a mail store or a disk than a library.
 */
export const defaultMaxFolderEntries = 20_000;

/**
 * File system types whose changes inotify does not see (made on another machine) and whose reads
 * are slow: NFS, SMB/CIFS, SSHFS, 9p, and the cluster and cloud file systems.
 */
const networkTypes = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'sshfs', 'fuse.sshfs', '9p', 'afs', 'ceph', 'fuse.ceph', 'glusterfs',
  'fuse.glusterfs', 'lustre', 'davfs', 'fuse.davfs2', 'fuse.rclone', 'fuse.s3fs', 'gfs2', 'ocfs2', 'ncpfs', 'coda',
]);

/** /proc/mounts escapes space, tab, newline and backslash in mount points as octal (\040). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The type of the file system `path` (absolute, real) lies on, from the text of /proc/mounts: the longest mount point above it. */
export function fileSystemType(path: string, mounts: string): string | undefined {
  let best: { point: string; type: string } | undefined;
  for (const line of mounts.split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    const point = unescapeMount(rawPoint);
    if (point !== path && !isInside(point, path)) continue;
    if (!best || point.length >= best.point.length) best = { point, type }; // later lines mount over earlier ones
  }
  return best?.type;
}

export function isNetworkFileSystem(type: string | undefined): boolean {
  return type !== undefined && networkTypes.has(type);
}

/** The file system type of `path`, or undefined where /proc/mounts cannot be read (not Linux). */
export async function fileSystemTypeOf(path: string, mountsPath = '/proc/mounts'): Promise<string | undefined> {
  const mounts = await readFile(mountsPath, 'utf8').catch(() => undefined);
  return mounts === undefined ? undefined : fileSystemType(path, mounts);
}

/**
 * Counts the entries the indexer would walk under `folder` (ignored names are not entered, links
 * not followed), stopping as soon as the count passes `limit`: the pre-scan costs at most
 * `limit` + one folder's entries, however big the tree. Unreadable folders count as empty.
 */
export async function countEntriesUpTo(folder: string, limit: number): Promise<number> {
  let count = 0;
  const pending = [folder];
  while (pending.length > 0 && count <= limit) {
    const entries = await readdir(pending.pop()!, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      count++;
      if (entry.isDirectory()) pending.push(join(entry.parentPath, entry.name));
    }
  }
  return count;
}

/** What to ask before adding `folder`; empty when nothing needs asking. */
export async function folderConcerns(folder: string, opts: { maxEntries?: number; mountsPath?: string } = {}): Promise<FolderConcern[]> {
  const concerns: FolderConcern[] = [];
  const type = await fileSystemTypeOf(folder, opts.mountsPath);
  if (isNetworkFileSystem(type)) {
    concerns.push({
      kind: 'network',
      message: `${folder} is on a network file system (${type}): indexing reads every file over the network, and changes are found by polling every few seconds instead of being reported by the system.`,
    });
  }
  const limit = opts.maxEntries ?? defaultMaxFolderEntries;
  if ((await countEntriesUpTo(folder, limit)) > limit) {
    concerns.push({
      kind: 'many-files',
      message: `${folder} holds more than ${limit.toLocaleString('en-US')} files and folders: indexing it may take days and watching it uses many of the system's file watches.`,
    });
  }
  return concerns;
}
