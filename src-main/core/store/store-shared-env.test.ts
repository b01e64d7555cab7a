import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LibraryStore } from './store';
import { repoRoot } from '../testing/paths';
import type { CacheIdentity } from './types';

const root = mkdtempSync(join(tmpdir(), 'desk-shared-env-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const identity: CacheIdentity = { modelFingerprint: 'f', k: 2, passageOffset: 0, precision: 'fp16', windowTokens: 64, overlapTokens: 16 };

// A child process writes through one store and, while lmdb-js's write thread is busy, opens a
// second store on the same folder (as the CLI's reader does beside its in-process indexer).
const script = `
import { LibraryStore } from ${JSON.stringify(join(repoRoot, 'src-main/core/store/store.ts'))};
const [dir, delay] = [process.argv[1], Number(process.argv[2])]; // node -e: argv[1..] are the arguments
const id = JSON.parse(process.argv[3]);
const a = LibraryStore.open(dir, id, { onMismatch: 'reset' });
const writes = [];
for (let i = 0; i < 300; i++) writes.push(a.addFolder('/folder-' + i));
await new Promise((r) => setTimeout(r, delay));
const b = LibraryStore.open(dir, id, { onMismatch: 'error' });
await Promise.all(writes);
console.log(b.listFolders().length);
await b.close();
await a.close();
`;

describe('two stores on one folder in one process', () => {
  it('share one LMDB environment: opening the second while the first writes never deadlocks', () => {
    for (let delay = 0; delay < 12; delay++) {
      const dir = join(root, `db-${delay}`);
      // The timeout is a hang guard (the whole run takes ~1 s), not a speed check.
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, String(delay), JSON.stringify(identity)], {
        cwd: repoRoot, encoding: 'utf8', timeout: 120_000,
      });
      expect(run.signal, `delay ${delay}: hung (${run.stderr})`).toBeNull();
      expect(run.stdout.trim(), run.stderr).toBe('300');
    }
  }, 15 * 60_000);

  it('closing one store leaves the other open', async () => {
    const dir = join(root, 'db-close');
    const a = LibraryStore.open(dir, identity, { onMismatch: 'reset' });
    const b = LibraryStore.open(dir, identity);
    await a.close();
    await b.addFolder('/after');
    expect(b.listFolders()).toEqual(['/after']);
    await b.close();
  });
});
