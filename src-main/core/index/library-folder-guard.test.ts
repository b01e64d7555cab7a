import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watch } from 'chokidar';
import { afterAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { IndexerHost } from './host/indexer-host';
import { cleanup, openLogged, prose, tempDir, tinyOptions, writeFiles } from './test-kit';

/** Asking before a folder too big or on a network share, and a watcher out of inotify watches (real Library, real chokidar). */
const root = tempDir('folder-guard');
afterAll(() => cleanup(root));

/** chokidar's watch, recording each call's polling choice; `failFirst` emits ENOSPC from the first watcher once it is ready. */
function recordingWatch(failFirst: boolean) {
  const calls: Array<{ folder: string; usePolling: boolean }> = [];
  const watchFn: typeof watch = (paths, options) => {
    const watcher = watch(paths, options);
    calls.push({ folder: String(paths), usePolling: options?.usePolling === true });
    if (failFirst && calls.length === 1) {
      watcher.once('ready', () => {
        const err = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), { code: 'ENOSPC' });
        watcher.emit('error', err);
      });
    }
    return watcher;
  };
  return { calls, watchFn };
}

describe('adding a folder that needs a yes', () => {
  it('asks before a folder with more files than the limit, and adds it once confirmed', async () => {
    const docs = join(root, 'many');
    writeFiles(docs, Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`n${i}.txt`, prose(i, 2)])));
    const { library } = await openLogged(tinyOptions(join(root, 'db-many'), join(root, 'graphs'), { maxFolderEntries: 10 }));
    try {
      const refused = await library.addFolder(docs).catch((err: unknown) => err);
      expect(isDeskError(refused, 'CONFIRM_REQUIRED'), String(refused)).toBe(true);
      expect((refused as Error).message).toMatch(/more than 10 files/);
      expect(library.listFolders()).toEqual([]);
      await library.addFolder(docs, { confirm: true });
      await library.whenIdle();
      expect(library.documents(docs).filter((d) => d.status === 'done')).toHaveLength(12);
    } finally {
      await library.close();
    }
  });

  it('asks across the indexer process too: CONFIRM_REQUIRED comes back typed, and confirm crosses over', async () => {
    const docs = join(root, 'many-host');
    writeFiles(docs, { 'a.txt': prose(1, 2), 'b.txt': prose(2, 2), 'c.txt': prose(3, 2) });
    const host = await IndexerHost.fork(tinyOptions(join(root, 'db-host'), join(root, 'graphs'), { maxFolderEntries: 2 }));
    try {
      const refused = await host.addFolder(docs).catch((err: unknown) => err);
      expect(isDeskError(refused, 'CONFIRM_REQUIRED'), String(refused)).toBe(true);
      await host.addFolder(docs, { confirm: true });
      await host.whenIdle();
      expect(host.documents(docs)).toHaveLength(3);
    } finally {
      await host.close();
    }
  });

  it('asks before a network folder, then watches it by polling', async () => {
    const docs = join(root, 'share');
    writeFiles(docs, { 'a.txt': prose(1, 3) });
    const mountsPath = join(root, 'mounts');
    writeFileSync(mountsPath, `/dev/vda / ext4 rw 0 0\nnas:/vol ${docs} nfs4 rw,vers=4.2 0 0\n`);
    const { calls, watchFn } = recordingWatch(false);
    const { library } = await openLogged(tinyOptions(join(root, 'db-share'), join(root, 'graphs'), { mountsPath, watch: true, watchFn }));
    try {
      const refused = await library.addFolder(docs).catch((err: unknown) => err);
      expect(isDeskError(refused, 'CONFIRM_REQUIRED'), String(refused)).toBe(true);
      expect((refused as Error).message).toMatch(/network file system \(nfs4\)/);
      await library.addFolder(docs, { confirm: true });
      await library.whenIdle();
      expect(calls).toEqual([{ folder: docs, usePolling: true }]);
      expect(library.documents(docs)[0]?.status).toBe('done');
    } finally {
      await library.close();
    }
  });
});

describe('a watcher out of inotify watches', () => {
  it('puts a readable reason on the folder and watches it by polling instead', async () => {
    const docs = join(root, 'watched');
    writeFiles(docs, { 'a.txt': prose(2, 3) });
    const { calls, watchFn } = recordingWatch(true);
    const { library } = await openLogged(tinyOptions(join(root, 'db-watched'), join(root, 'graphs'), { watch: true, watchFn }));
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      await expect.poll(() => calls.length, { timeout: 10_000 }).toBe(2);
      const folder = library.progress().folders.find((f) => f.folder === docs);
      expect(folder?.watchError).toMatch(/too many files to watch.*polling.*fs\.inotify\.max_user_watches.*WATCH_LIMIT/);
      expect(calls.map((c) => c.usePolling)).toEqual([false, true]);
      // Polling sees a new file.
      writeFileSync(join(docs, 'b.txt'), prose(3, 3));
      await expect.poll(() => library.documents(docs).find((d) => d.path.endsWith('b.txt'))?.status, { timeout: 30_000, interval: 500 }).toBe('done');
      await library.removeFolder(docs);
      expect(library.progress().folders.find((f) => f.folder === docs)).toBeUndefined();
    } finally {
      await library.close();
    }
  }, 60_000);
});
