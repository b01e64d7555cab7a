/**
 * The desktop build's backend without Electron: `npm run build` bundles the backend process, the
 * indexer process it forks and their engine thread into out/main (chunks included), and that
 * bundle must find its children and answer. The forked child is what the Electron shell starts
 * as a utilityProcess; only that wrapper (src-main/electron/backend.ts) is left untested here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forkBackend } from '../src-main/core/backend/backend-client';
import { tinyBertDir } from '../src-main/core/testing/paths';

const repoRoot = join(import.meta.dirname, '..');

describe('built backend (out/main/backend.js)', () => {
  it('indexes a folder through its bundled indexer and engine threads, then answers', async () => {
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'electron-vite.mjs'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
    expect(build.status).toBe(0);
    const root = mkdtempSync(join(tmpdir(), 'desk-built-'));
    const docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'bees.txt'), 'Bees visit the clover in June. The meadow is green and the hives are full.');
    const backend = await forkBackend(
      {
        shell: 'electron',
        appDataDir: join(root, 'data'),
        model: tinyBertDir,
        builtinModelDir: null,
        watch: false,
        // What Electron main passes: the bundle lives in out/main, away from the data files it ships with.
        cataloguePath: join(repoRoot, 'models', 'catalogue.json'),
        defaultTokenizerDir: join(repoRoot, 'resources', 'tokenizer'),
      },
      {},
      join(repoRoot, 'out', 'main', 'backend.js'),
    );
    try {
      expect(await backend.handle('folders.add', { path: docs })).toMatchObject({ ok: true });
      let status: { ok: boolean; value?: { folders: Array<{ queued: number; done: number }> } };
      do {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await backend.handle('indexing.status', {})) as typeof status;
      } while (status.value?.folders[0]?.done !== 1);
      const answer = await backend.handle('ask', { question: 'When do bees visit the clover?' });
      expect(answer).toMatchObject({ ok: true, value: { mode: 'deformer' } });
      expect((answer as { value: { answers: unknown[] } }).value.answers.length).toBeGreaterThan(0);
    } finally {
      await backend.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
