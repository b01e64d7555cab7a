/**
 * A folder too large to add without asking (more than 20,000 entries: the service answers
 * CONFIRM_REQUIRED with its reasons) is added from the UI only once the person agrees: the
 * browser's confirm dialog shows the reasons; declining adds nothing and shows no error, agreeing
 * adds it. The 20,001 files are of a type the indexer does not read, so agreeing costs no indexing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebApp, type WebApp } from '../src-main/web/web-app';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('adding a very large folder asks first', () => {
  let root: string;
  let big: string;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-e2e-confirm-'));
    big = join(root, 'Scans archive');
    mkdirSync(big);
    for (let i = 0; i <= 20_000; i++) writeFileSync(join(big, `frame-${i}.dat`), '');
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

  const addBig = async (answer: 'accept' | 'dismiss'): Promise<string> => {
    const asked = page.waitForEvent('dialog').then(async (dialog) => {
      const message = dialog.message();
      await dialog[answer]();
      return message;
    });
    await page.getByLabel('Folder path').first().fill(big);
    await page.getByRole('button', { name: 'Add folder' }).first().click();
    return asked;
  };

  it('declined: the reasons were shown, nothing is added and no error is raised', async () => {
    const message = await addBig('dismiss');
    expect(message).toMatch(/holds more than 20,000 files and folders.*Add it anyway\?/s);
    expect(await app.service.handle('folders.list', {})).toMatchObject({ ok: true, value: { folders: [] } });
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('agreed: the folder is added and watched', async () => {
    await addBig('accept');
    await page.getByText(`Watching ${big}.`).waitFor();
    expect(await app.service.handle('folders.list', {})).toMatchObject({ ok: true, value: { folders: [big] } });
    expect(consoleErrors).toEqual([]);
  });
});
