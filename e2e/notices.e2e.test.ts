/**
 * Notices: what the service corrected on its own is shown once, as a banner the person dismisses.
 * Here the stored k (9) no longer fits the installed model (4 layers): the service resets it and
 * says so in app.info; the UI must show that once, keep it through later reads of app.info, and
 * not bring it back after it is dismissed (a reload of the tab included).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelManager } from '../src-main/core/hub/model-manager';
import { tinyBertDir } from '../src-main/core/testing/paths';
import { startWebApp, type WebApp } from '../src-main/web/web-app';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('notices in the UI', () => {
  let root: string;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-e2e-notices-'));
    await new ModelManager({ modelsDir: join(root, 'models') }).importFolder(tinyBertDir);
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', 'settings.json'), JSON.stringify({ model: 'tiny-bert-qa', k: 9 }));
    app = await startWebApp({ appDataDir: join(root, 'app'), modelsDir: join(root, 'models'), builtinModelDir: null, checkResponses: true, threads: 1 });
    browser = await chromium.launch({ executablePath: chromiumPath });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(app.server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const notices = () => page.getByRole('region', { name: 'Notices' }).getByRole('status');

  it('shows the correction once, and keeps it through later reads of app.info', async () => {
    await notices().first().waitFor();
    expect(await notices().count()).toBe(1);
    expect(await notices().innerText()).toMatch(/k 9 does not fit the model "tiny-bert-qa" \(4 layers\)/);
    // Back to the window re-reads app.info (which still lists the notice): no second copy.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/app.info')), page.evaluate('dispatchEvent(new Event("focus"))')]);
    expect(await notices().count()).toBe(1);
  });

  it('stays dismissed, after a reload too', async () => {
    await page.getByRole('button', { name: 'Dismiss notice' }).click();
    await expect.poll(() => notices().count()).toBe(0);
    await page.reload();
    // The top bar names the model once app.info is in: the notices came with it.
    await page.getByRole('button', { name: /^Model: tiny-bert-qa/ }).waitFor();
    expect(await page.getByRole('region', { name: 'Notices' }).count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
