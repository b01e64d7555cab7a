/**
 * Expected failures are answers, not console errors: Chromium logs every 4xx response as
 * "Failed to load resource", so the web shell answers a typed DeskError with 200 and
 * {ok: false, error} (web/server.ts) and the renderer's transport rebuilds it. The page must show
 * the service's message and the console must stay clean; a transport failure (no token) is
 * still a 401.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebApp, type WebApp } from '../src-main/web/web-app';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('expected failures in the web shell', () => {
  let root: string;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-e2e-errors-'));
    app = await startWebApp({ appDataDir: join(root, 'app'), modelsDir: join(root, 'models'), builtinModelDir: null, checkResponses: true, threads: 1 });
    browser = await chromium.launch({ executablePath: chromiumPath });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(app.server.url);
    await page.getByRole('button', { name: /^Library/ }).first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('adding a folder that does not exist shows the reason and logs no console error', async () => {
    const missing = join(root, 'no-such-folder');
    await page.getByRole('button', { name: /^Library/ }).first().click();
    await page.getByLabel('Folder path').first().fill(missing);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/folders.add')),
      page.getByRole('button', { name: 'Add folder' }).first().click(),
    ]);
    expect(response.status()).toBe(200);
    const answer = (await response.json()) as { ok: false; error: { code: string; message: string } };
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(missing) } });
    await page.getByText(answer.error.message).first().waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('a relative path is refused the same way, in words, with a clean console', async () => {
    await page.getByLabel('Folder path').first().fill('Documents');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/folders.add')), page.getByRole('button', { name: 'Add folder' }).first().click()]);
    await page.getByText(/"Documents" is not a full path/).first().waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('a call without the token is still refused by the transport with 401', async () => {
    const status = await page.evaluate(() => fetch('/api/app.info', { method: 'POST', body: '{}' }).then((r) => r.status));
    expect(status).toBe(401);
  });
});
