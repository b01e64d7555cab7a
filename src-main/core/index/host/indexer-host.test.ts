import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeskError } from '../../errors';
import { IndexerHost } from './indexer-host';
import { cleanup, EventLog, prose, tempDir, tinyOptions, writeFiles } from '../test-kit';

/** The Library in a forked child process behind the same API: calls, events, errors, mirror, exit. */
const root = tempDir('host');
const docs = join(root, 'docs');
afterAll(() => cleanup(root));

describe('IndexerHost (child process)', () => {
  it('indexes in the child, forwards events, mirrors documents, rebuilds DeskErrors and exits on close', async () => {
    writeFiles(docs, { 'a.txt': prose(1, 6), 'b.md': prose(2, 3), 'empty.txt': '' });
    const host = await IndexerHost.fork(tinyOptions(join(root, 'db'), join(root, 'graphs'), { watch: true, writeSettleMs: 150 }));
    const log = new EventLog();
    host.onEvent(log.listener);
    let exitReason = '';
    host.onExit((reason) => (exitReason = reason));
    try {
      expect(host.pid).toBeGreaterThan(0);
      expect(host.pid).not.toBe(process.pid);
      await host.addFolder(docs);
      expect(host.listFolders()).toEqual([docs]);
      await host.whenIdle();
      expect(log.indexedPaths().sort()).toEqual([join(docs, 'a.txt'), join(docs, 'b.md')]);
      expect(log.of('documentFailed')).toMatchObject([{ path: join(docs, 'empty.txt'), status: 'skipped', code: 'EXTRACT_EMPTY' }]);
      // The mirror is current by the time whenIdle resolves.
      const statuses = Object.fromEntries(host.documents(docs).map((d) => [d.path, d.status]));
      expect(statuses).toEqual({ [join(docs, 'a.txt')]: 'done', [join(docs, 'b.md')]: 'done', [join(docs, 'empty.txt')]: 'skipped' });
      expect(host.documents(docs).find((d) => d.path.endsWith('a.txt'))!.passageIds.length).toBeGreaterThan(1);
      expect(host.progress().folders[0]).toMatchObject({ total: 3, done: 2, skipped: 1, queued: 0 });
      expect((await host.stats()).documents).toBe(3);
      // The child's own memory (the large-document bench samples it): numbers, not the parent's.
      const memory = await host.memory();
      expect(memory.heapUsed).toBeGreaterThan(0);
      expect(memory.rss).toBeGreaterThanOrEqual(memory.heapUsed);

      const err = await host.addFolder(join(root, 'missing')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeskError);
      expect((err as DeskError).code).toBe('NOT_FOUND');

      host.pause();
      expect(host.progress().paused).toBe(true);
      writeFileSync(join(docs, 'c.txt'), prose(3, 3));
      host.resume();
      await log.waitFor((l) => l.indexedPaths().includes(join(docs, 'c.txt')), 15_000, 'c.txt via the watcher in the child');
      await host.whenIdle();
      expect(host.documents(docs).find((d) => d.path.endsWith('c.txt'))?.status).toBe('done');

      await host.removeFolder(docs);
      expect(host.listFolders()).toEqual([]);
      expect(host.documents()).toEqual([]);
    } finally {
      await host.close();
    }
    expect(exitReason).not.toBe('');
    const late = await host.whenIdle().catch((e: unknown) => e);
    expect((late as DeskError).code).toBe('INTERNAL');
  });
});
