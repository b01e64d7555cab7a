/**
 * The desktop build's indexer without Electron: `npm run build` bundles the indexer process and
 * its lower-pass thread into out/main (chunks included), and that bundle must find its thread
 * and index. The forked child is what the Electron shell starts as a utilityProcess.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexerHost } from '../src-main/core/index/indexer-host';
import { defaultIndexSettings } from '../src-main/core/index/settings';
import { tinyBertDir } from '../src-main/core/testing/paths';

const repoRoot = join(import.meta.dirname, '..');

describe('built indexer (out/main/indexer.js)', () => {
  it('indexes a folder through its bundled lower-pass thread', async () => {
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'electron-vite.mjs'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
    expect(build.status).toBe(0);
    const root = mkdtempSync(join(tmpdir(), 'desk-built-'));
    const docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'bees.txt'), 'Bees visit the clover in June. The meadow is green and the hives are full.');
    const host = await IndexerHost.fork(
      { dbDir: join(root, 'db'), model: tinyBertDir, k: 2, provider: 'cpu', cacheDir: join(root, 'graphs'), watch: false, settings: defaultIndexSettings },
      { entry: join(repoRoot, 'out', 'main', 'indexer.js') },
    );
    try {
      await host.addFolder(docs);
      await host.whenIdle();
      const [doc] = host.documents(docs);
      expect(doc).toMatchObject({ status: 'done' });
      const stats = await host.stats();
      expect(stats.passages).toBe(1);
      expect(stats.stateBytes).toBe(stats.storedTokens * 4 * 32); // fp32 lower states of hidden 32
    } finally {
      await host.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
