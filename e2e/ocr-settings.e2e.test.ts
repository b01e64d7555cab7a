/**
 * Settings → "Read scanned pages (slower)" in the UI, against the web shell with the real core:
 * with OCR off an image is skipped and says why; switching it on reads it again and the Library
 * panel says its words were read by OCR; switching it off keeps them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scannedPage } from '../src-main/core/text/testing-scans';
import { startWebApp, type WebApp } from '../src-main/web/web-app';
import { DeskDriver, webHooks } from './driver';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the OCR switch in Settings', () => {
  let root: string;
  let docs: string;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  let desk: DeskDriver;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-e2e-ocr-'));
    docs = join(root, 'Scans');
    mkdirSync(docs);
    writeFileSync(join(docs, 'receipt.png'), scannedPage(['Receipt for the copper kettle.'], 150));
    app = await startWebApp({ appDataDir: join(root, 'app'), modelsDir: join(root, 'models'), builtinModelDir: null, checkResponses: true, threads: 1 });
    browser = await chromium.launch({ executablePath: chromiumPath });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    desk = new DeskDriver(page, webHooks(app.server.url));
    await page.goto(app.server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function setOcr(on: boolean): Promise<void> {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const box = dialog.getByRole('checkbox', { name: 'Read scanned pages (slower)' });
    await box.setChecked(on);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  const row = () => page.locator(`[data-doc="${join(docs, 'receipt.png')}"]`);

  it('with OCR off, an image is skipped and says OCR is off', async () => {
    await setOcr(false);
    await desk.addFolder(docs);
    await app.service.whenIdle();
    await desk.openLibrary();
    await expect.poll(() => row().getAttribute('data-status')).not.toBe('queued');
    await expect.poll(() => row().innerText()).toMatch(/images are read only by OCR, which is off in Settings/);
  });

  it('switching OCR on reads it again; the Library says it was read by OCR', { timeout: 120_000 }, async () => {
    await setOcr(true);
    await app.service.whenIdle();
    await expect.poll(() => row().getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => row().innerText()).toMatch(/1 passage · read by OCR \(1 page\)/);
    const cards = await desk.ask('copper kettle receipt');
    expect(await cards.first().getAttribute('data-doc-path')).toBe(join(docs, 'receipt.png'));
  });

  it('switching OCR off keeps what was read', async () => {
    await setOcr(false);
    await app.service.whenIdle();
    await expect.poll(() => row().innerText()).toMatch(/read by OCR/);
    expect(await row().getAttribute('data-status')).toBe('done');
    expect(consoleErrors).toEqual([]);
  });
});
