/**
 * The desktop shell end to end through Playwright's _electron: the same driver steps as the web
 * suite, plus what only the desktop app has (the preload bridge, no Node in the page, the
 * quick-ask window). Runs where an Electron binary is installed; skipped, and named so, elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ModelManager } from '../src-main/core/hub/model-manager';
import { tinyBertDir } from '../src-main/core/testing/paths';
import { DeskDriver, electronHooks } from './driver';
import { electronBinary } from './electron';
import { questions, writeLibrary } from './fixtures';

const binary = electronBinary();
const repoRoot = join(import.meta.dirname, '..');

describe('desktop shell', () => {
  it.skipIf(!binary)(binary ? 'desktop shell via _electron' : 'desktop shell via _electron (skipped: no Electron binary installed)', async () => {
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'electron-vite.mjs'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
    expect(build.status).toBe(0);
    const root = mkdtempSync(join(tmpdir(), 'desk-electron-'));
    const docs = await writeLibrary(join(root, 'Documents'));
    await new ModelManager({ modelsDir: join(root, 'models') }).importFolder(tinyBertDir);
    const app = await _electron.launch({
      executablePath: binary!,
      args: [repoRoot, '--library', join(root, 'app'), '--models', join(root, 'models')],
      cwd: repoRoot,
    });
    try {
      const page = await app.firstWindow();
      const desk = new DeskDriver(page, electronHooks(app));
      await page.getByRole('heading', { name: 'Ask your documents' }).waitFor();
      expect(await page.evaluate('typeof window.require')).toBe('undefined');
      expect(await page.evaluate('typeof window.process')).toBe('undefined');
      expect(await page.evaluate('Object.keys(window.desk).sort().join()')).toBe('invoke,onEvent,pathForFile');
      await desk.screenshot('electron-01-first-run');

      await desk.addFolder(docs);
      await desk.waitIndexed(docs);
      const cards = await desk.ask(questions[1].question);
      expect(await cards.first().getAttribute('data-doc-path')).toBe(join(docs, questions[1].file));
      await desk.screenshot('electron-02-answers');

      const quick = await desk.openQuick();
      const quickCards = await desk.ask(questions[0].question, quick);
      expect(await quickCards.first().getAttribute('data-doc-path')).toBe(join(docs, questions[0].file));
      await desk.screenshot('electron-03-quick-ask', quick);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
