import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { defaultSettings } from '../settings';
import { bytesPerToken } from '../store/quantize';
import { LibraryStore } from '../store/store';
import type { LibraryOptions } from './library';
import { noModelFingerprint } from './runtime';
import { cleanup, dumpCache, openLogged, prose, tempDir, tinyBertDir, tinyOptions, writeFiles } from './test-kit';

/** Without a model the library still cuts passages for search; a model arriving re-encodes it all. */
const root = tempDir('reconf');
const docs = join(root, 'docs');
const db = join(root, 'db');
const noModel: LibraryOptions = tinyOptions(db, join(root, 'graphs'), { model: null });

beforeAll(() => writeFiles(docs, { 'a.txt': prose(1, 8), 'b.md': `# Glacier\n\n${prose(2, 6)}`, 'c.txt': prose(3, 2) }));
afterAll(() => cleanup(root));

describe('Library without a model, then reconfigured', () => {
  it('stores passages and terms with no lower states, under fingerprint "none"', async () => {
    const { library, log } = await openLogged(noModel);
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      expect(library.identity.modelFingerprint).toBe(noModelFingerprint);
      expect(log.indexedPaths()).toHaveLength(3);
      expect(library.documents(docs).every((d) => d.status === 'done' && d.passageIds.length > 0)).toBe(true);
      const stats = await library.stats();
      expect(stats.passages).toBeGreaterThan(3);
      expect(stats.stateBytes).toBe(0);
    } finally {
      await library.close();
    }
    const dump = dumpCache(db, false);
    expect(dump.problems).toEqual([]);
    expect(dump.states.size).toBe(0);
    expect(dump.postings).toBeGreaterThan(0);
    // The identity the library wrote; 'error' on mismatch proves it is exactly this one.
    const store = LibraryStore.open(db, { modelFingerprint: noModelFingerprint, k: 2, passageOffset: 0, precision: defaultSettings.precision, windowTokens: 48, overlapTokens: 8 });
    try {
      const hit = store.search('glacier', 3)[0];
      expect(store.getPassage(hit.passageId)!.docPath).toBe(join(docs, 'b.md'));
    } finally {
      await store.close();
    }
  });

  it('re-encodes everything when a model appears, then when k or precision change; a bad model changes nothing', async () => {
    const { library, log } = await openLogged(noModel);
    try {
      await library.whenIdle();
      expect(log.indexedPaths()).toEqual([]);

      await library.reconfigure({ model: tinyBertDir });
      await library.whenIdle();
      expect(log.indexedPaths().sort()).toEqual(['a.txt', 'b.md', 'c.txt'].map((f) => join(docs, f)));
      expect(library.identity.modelFingerprint).not.toBe(noModelFingerprint);
      const byDefault = await library.stats(); // the default precision (core/settings.ts), H = 32
      expect(byDefault.stateBytes).toBe(byDefault.storedTokens * bytesPerToken(defaultSettings.precision, 32));

      log.clear();
      await library.reconfigure({ k: 1, precision: 'int8' });
      await library.whenIdle();
      expect(log.indexedPaths()).toHaveLength(3);
      expect(library.identity).toMatchObject({ k: 1, precision: 'int8' });
      const int8 = await library.stats();
      expect(int8.stateBytes).toBe(int8.storedTokens * (32 + 4));

      log.clear();
      await library.reconfigure({ batchSize: 2 }); // not part of the cache identity
      await library.whenIdle();
      expect(log.indexedPaths()).toEqual([]);

      const bad = await library.reconfigure({ model: join(root, 'no-such-model') }).catch((e: unknown) => e);
      expect(isDeskError(bad)).toBe(true);
      expect(library.identity).toMatchObject({ k: 1, precision: 'int8' });
      expect(library.documents(docs).every((d) => d.status === 'done')).toBe(true);
    } finally {
      await library.close();
    }
    expect(dumpCache(db, true).problems).toEqual([]);
  });
});
