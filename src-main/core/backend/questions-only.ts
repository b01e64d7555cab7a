/**
 * The library side of a process that only asks (the CLI's `ask`): it starts no indexer, so a
 * one-off question never scans folders, and a flag that does not fit the cache (another model,
 * another k) cannot make an indexer reset it: the read side refuses with STORE_INCOMPATIBLE
 * and the library is left as it was.
 */
import { DeskError } from '../errors';
import type { LibraryControl } from '../index/library';

const refuse = async (): Promise<never> => {
  throw new DeskError('BAD_REQUEST', 'This process only answers questions; index with `npm run cli -- index` or the app.');
};

export function questionsOnlyLibrary(): LibraryControl {
  return {
    addFolder: refuse,
    removeFolder: refuse,
    reconfigure: async () => undefined, // nothing to re-encode here; the read side reopens with the new settings
    listFolders: () => [],
    documents: () => [],
    progress: () => ({ folders: [], paused: false }),
    pause: () => undefined,
    resume: () => undefined,
    whenIdle: async () => undefined,
    onEvent: () => () => undefined,
    stats: refuse,
    close: async () => undefined,
  };
}
