/**
 * The desktop app's UI end to end, in Debian's Chromium against the web shell with the REAL core:
 * a forked indexer, LMDB in a temp folder, the tiny random BERT QA checkpoint imported into a temp
 * models folder (and so active). The model is random, so a span is arbitrary; what must hold is
 * that the card's document is the one holding the question's terms and that the highlight lies
 * inside that passage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER, type ResponseOf } from '../src-main/core/contract';
import { ModelManager } from '../src-main/core/hub/model-manager';
import { tinyBertDir } from '../src-main/core/testing/paths';
import { startWebApp, type WebApp } from '../src-main/web/web-app';
import { DeskDriver, webHooks } from './driver';
import { questions, writeLibrary } from './fixtures';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('desktop UI over the web shell', () => {
  let root: string;
  let docs: string;
  let app: WebApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let desk: DeskDriver;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-e2e-'));
    docs = await writeLibrary(join(root, 'Documents'));
    // The same path a person takes: import the checkpoint; the first model installed becomes active.
    await new ModelManager({ modelsDir: join(root, 'models') }).importFolder(tinyBertDir);
    app = await startWebApp({ appDataDir: join(root, 'app'), modelsDir: join(root, 'models'), builtinModelDir: null, checkResponses: true, threads: 1 });
    browser = await chromium.launch({ executablePath: chromiumPath });
    context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    page = await context.newPage();
    // CSP violations and script errors surface here; the suite ends by asserting there were none.
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    desk = new DeskDriver(page, webHooks(app.server.url));
  });

  async function askApi(question: string): Promise<ResponseOf<'ask'>> {
    const response = await fetch(`${app.server.origin}/api/ask`, {
      method: 'POST',
      headers: { [TOKEN_HEADER]: app.server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    return (await response.json()) as ResponseOf<'ask'>;
  }

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses requests without the token (401)', async () => {
    const { origin, token } = app.server;
    expect((await fetch(`${origin}/api/app.info`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${origin}/api/app.info`, { method: 'POST', body: '{}', headers: { [TOKEN_HEADER]: 'wrong' } })).status).toBe(401);
    expect((await fetch(`${origin}/`)).status).toBe(401);
    expect((await fetch(`${origin}/api/events`)).status).toBe(401);
    const ok = await fetch(`${origin}/api/app.info`, { method: 'POST', body: '{}', headers: { [TOKEN_HEADER]: token } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('first run: explains itself, shows the active model, asks for a folder', async () => {
    await page.goto(app.server.url);
    await expect.poll(() => page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Ask your documents' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: /^Model: tiny-bert-qa/ }).count()).toBe(1);
    expect(await page.getByText('Drop a folder here').isVisible()).toBe(true);
    await desk.screenshot('01-first-run');
    // A page of this origin cannot call the API without the header, even with the cookie (another tab, not watched for errors).
    const probe = await context.newPage();
    await probe.goto(`${app.server.origin}/`);
    expect(await probe.evaluate(() => fetch('/api/app.info', { method: 'POST', body: '{}' }).then((r) => r.status))).toBe(401);
    await probe.close();
  });

  it('indexes txt, md, html, pdf and docx; the broken PDF is listed as failed with its reason', async () => {
    await desk.addFolder(docs);
    const card = await desk.waitIndexed(docs);
    expect(normalize(await card.innerText())).toMatch(/Up to date.*6 \/ 6 files.*1 failed/);
    const broken = page.locator(`#library-panel li[data-path="${join(docs, 'broken.pdf')}"]`);
    await broken.waitFor();
    expect(await broken.getAttribute('data-status')).toBe('failed');
    expect(await broken.innerText()).toMatch(/pdf/i);
    expect(await broken.innerText()).toContain('EXTRACT_FAILED');
    await desk.screenshot('02-indexed');
  });

  it('answers from the document that holds the question terms, highlighted inside its passage', async () => {
    for (const [i, q] of questions.entries()) {
      const cards = await desk.ask(q.question);
      const top = cards.first();
      expect(await top.getAttribute('data-doc-path'), q.question).toBe(join(docs, q.file));
      const mark = normalize(await top.locator('.excerpt mark').innerText());
      const excerpt = normalize(await top.locator('.excerpt').innerText()).replace(/^… | …$/g, '');
      expect(mark.length).toBeGreaterThan(0);
      expect(excerpt).toContain(mark);
      // The same question through the API: the shown excerpt is cut from the passage, the highlight lies inside it.
      const answer = (await askApi(q.question)).answers[0];
      expect(answer.docPath).toBe(join(docs, q.file));
      expect(answer.highlightStart).toBeGreaterThanOrEqual(0);
      expect(answer.highlightEnd).toBeLessThanOrEqual(answer.context.length);
      expect(normalize(answer.context.slice(answer.highlightStart, answer.highlightEnd))).toBe(mark);
      expect(normalize(answer.context)).toContain(excerpt);
      expect(normalize(await top.locator('.headline').innerText())).toBe(mark);
      expect(await page.getByText(/answers? from \d+ passages?.*DeFormer, k = 3/).count()).toBe(1);
      if (i === 1) await desk.screenshot('03-answers');
    }
  });

  it('opens a result by keyboard (web mode reports the path), Esc clears, ↑ recalls', async () => {
    const box = desk.questionBox();
    await desk.ask(questions[0].question);
    await box.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText(`the document is ${join(docs, questions[0].file)}`).waitFor();
    await desk.screenshot('04-open-reported');
    await box.focus();
    await page.keyboard.press('Escape');
    expect(await box.inputValue()).toBe('');
    expect(await page.locator('li.card').count()).toBe(0);
    await page.keyboard.press('ArrowUp');
    expect(await box.inputValue()).toBe(questions[0].question);
    await page.keyboard.press('ArrowUp');
    expect(await box.inputValue()).toBe(questions[questions.length - 1].question);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await box.inputValue()).toBe('');
  });

  it('quick ask works by keyboard alone and shows the top answer', async () => {
    const quick = await desk.openQuick();
    const box = desk.questionBox(quick);
    await expect.poll(() => quick.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Ask a question about your documents');
    await quick.keyboard.type(questions[3].question);
    await quick.keyboard.press('Enter');
    const card = quick.locator('li.card');
    await card.first().waitFor();
    expect(await card.count()).toBe(1);
    expect(await card.getAttribute('data-doc-path')).toBe(join(docs, questions[3].file));
    await desk.screenshot('05-quick-ask', quick);
    await quick.keyboard.press('Tab');
    await quick.keyboard.press('Enter');
    await quick.getByText(`the document is ${join(docs, questions[3].file)}`).waitFor();
    await box.focus();
    await quick.keyboard.press('Escape');
    expect(await box.inputValue()).toBe('');
    await quick.close();
  });

  it('settings: switching to search only re-indexes and results say they are search results', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Answer model').selectOption({ label: 'None: search only' });
    await desk.screenshot('06-settings');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('button', { name: /^Model: none, search only/ }).count()).toBe(1);
    await app.service.whenIdle();
    const cards = await desk.ask(questions[4].question);
    expect(await page.getByText('Search results', { exact: true }).count()).toBe(1);
    expect(await cards.first().getAttribute('data-doc-path')).toBe(join(docs, questions[4].file));
    expect(await cards.first().locator('.headline').count()).toBe(0);
    expect(normalize(await cards.first().locator('.excerpt mark').first().innerText()).toLowerCase()).toMatch(/basalt|lava|etna|mount|town|reach/);
    await desk.screenshot('07-search-only');
  });

  it('raised no script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
