import { isAbsolute, parse, relative, sep } from 'node:path';
import { DeskError } from '../errors';
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

/** Pseudo and runtime file systems: not documents, and walking them can hang (/proc) or never end. */
const systemFolders = ['/proc', '/sys', '/dev', '/run'];

/**
 * Refuses a folder no library should watch: a file system root (it would walk the whole
 * machine), a pseudo file system, or a folder holding the app's own data (the cache would index
 * itself). Throws FOLDER_REFUSED with the reason.
 */
export function checkFolderAllowed(abs: string, dataDirs: string[]): void {
  if (parse(abs).root === abs) throw new DeskError('FOLDER_REFUSED', `${abs} is the root of a file system: add the folders that hold your documents instead.`);
  const system = systemFolders.find((f) => abs === f || isInside(f, abs));
  if (system && sep === '/') throw new DeskError('FOLDER_REFUSED', `${abs} is a system folder (${system}) that holds no documents.`);
  // A folder that merely contains the data folder is fine (a home folder; hidden folders are never entered).
  const data = dataDirs.find((d) => abs === d || isInside(d, abs));
  if (data) throw new DeskError('FOLDER_REFUSED', `${abs} holds the app's own data (${data}): the library would index its own cache.`);
}
