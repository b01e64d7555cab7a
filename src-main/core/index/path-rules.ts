import { isAbsolute, relative, sep } from 'node:path';
import { isSupportedPath } from '../text/extract';

/**
 * Which paths under a watched folder the indexer looks at. One rule set, shared by the
 * start-up scan and the watcher, so both see the same files.
 */

/** Names never entered or indexed: dot-names (hidden, `.git`), `node_modules`, Office lock files. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name.startsWith('~$');
}

/** True when `path` lies strictly inside `folder` (both absolute). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * True when some component of `path` below `folder` is an ignored name. Components above the
 * folder do not count: a library may live under a hidden folder.
 */
export function isIgnoredBelow(folder: string, path: string): boolean {
  if (!isInside(folder, path)) return false;
  return relative(folder, path).split(sep).some(isIgnoredName);
}

/** A file the indexer should index: inside the folder, not ignored, of a supported type. */
export function isIndexablePath(folder: string, path: string): boolean {
  return isInside(folder, path) && !isIgnoredBelow(folder, path) && isSupportedPath(path);
}

/** The watched folder a path belongs to (folders never nest: see Library.addFolder). */
export function folderOf(folders: Iterable<string>, path: string): string | undefined {
  for (const folder of folders) if (isInside(folder, path)) return folder;
  return undefined;
}
