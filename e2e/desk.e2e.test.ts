/**
 * The desktop app's UI end to end, in Debian's Chromium against the web shell with the REAL core:
 * a forked indexer, LMDB in a temp folder, the tiny random BERT QA checkpoint imported into a temp
 * models folder (and so active). The model is random, so its spans are guesses: the UI must say
 * there is no confident answer, show the closest passages (the document holding the question's
 * terms first), and keep the guesses one click away, each highlighted inside its passage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER, type ResponseOf, type Result } from '../src-main/core/contract';
import { ModelManager } from '../src-main/core/hub/model-manager';
import { makeRandomCheckpoint } from '../models/random-checkpoint';
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
    const result = (await response.json()) as Result<ResponseOf<'ask'>>;
    if (!result.ok) throw new Error(`ask failed: ${result.error.code} ${result.error.message}`);
    return result.value;
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

  it('the library panel lists every document per folder with its status, filtered by status', async () => {
    const panel = await desk.openLibrary();
    const list = panel.getByRole('list', { name: 'Documents' });
    await expect.poll(() => list.locator('[data-doc]').count()).toBe(6);
    expect(await list.locator(`[data-doc="${join(docs, 'broken.pdf')}"]`).getAttribute('data-status')).toBe('failed');
    expect(await list.locator(`[data-doc="${join(docs, 'broken.pdf')}"]`).innerText()).toMatch(/pdf/i);
    expect(await list.getByRole('listitem').first().innerText()).toContain(docs);
    await panel.getByLabel('Show documents').selectOption('failed');
    await expect.poll(() => list.locator('[data-doc]').count()).toBe(1);
    await desk.screenshot('02b-library-documents');
    await panel.getByLabel('Show documents').selectOption('done');
    await expect.poll(() => list.locator('[data-doc]').count()).toBe(5);
    await panel.getByLabel('Show documents').selectOption('all');
  });

  it('refuses a relative folder path with a clear message, one toast however often it is tried', async () => {
    const panel = await desk.openLibrary();
    const errorsBefore = pageErrors.length;
    for (let i = 0; i < 2; i++) {
      await panel.getByLabel('Folder path').fill('Documents');
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/folders.add')), panel.getByRole('button', { name: 'Add folder' }).click()]);
    }
    const toast = page.getByText(/"Documents" is not a full path: type it from the top, e.g\. .*~\/Documents/);
    await toast.first().waitFor();
    expect(await toast.count()).toBe(1);
    // An expected failure is a typed answer, not a 4xx that Chromium logs as a console error.
    expect(pageErrors.splice(errorsBefore)).toEqual([]);
  });

  it('answers from the document that holds the question terms carry a confidence word', async () => {
    const seen = new Set<string>();
    for (const q of questions) {
      const cards = await desk.ask(q.question);
      const api = await askApi(q.question);
      expect(api.answers.length).toBeGreaterThan(0);
      const shown = api.answers.filter((a) => a.confidence !== 'none');
      expect(await page.getByText(/match \d|DeFormer, k =/).count()).toBe(0); // no raw BM25 scores, no research words
      if (shown.length > 0) {
        // Random weights can still peak: then the answer is a headline with its word, no "no answer" heading.
        seen.add('answer');
        const top = cards.first();
        expect(await top.getAttribute('data-doc-path'), q.question).toBe(join(docs, q.file));
        expect(normalize(await top.locator('.headline').innerText())).toBe(normalize(shown[0].text));
        expect(await top.locator('.chip.confidence').innerText()).toBe(shown[0].confidence);
        expect(await page.getByRole('heading', { name: /No confident answer/ }).count()).toBe(0);
        continue;
      }
      seen.add('none');
      await page.getByRole('heading', { name: 'No confident answer — the closest passages:' }).waitFor();
    }
    if (seen.has('answer')) await desk.screenshot('03-answers');
    expect(seen.has('answer')).toBe(true);
  });

  it('a question spread over every document gets "No confident answer", the closest passages with a relevance bar, the guesses behind', async () => {
    // Words of all five documents: five passages read, the span mass split among them.
    const question = 'lens light lava bees tea giraffe';
    const cards = await desk.ask(question);
    const api = await askApi(question);
    expect(api.passages.length).toBeGreaterThan(1);
    expect(api.answers.length).toBeGreaterThan(0);
    expect(api.answers.every((a) => a.confidence === 'none')).toBe(true);
    await page.getByRole('heading', { name: 'No confident answer — the closest passages:' }).waitFor();
    expect(await page.locator('li.card .headline').count()).toBe(0);
    expect(await cards.first().getAttribute('data-doc-path')).toBe(api.passages[0].docPath);
    const bars = await cards.locator('meter.relevance').evaluateAll((meters) => meters.map((m) => Number(m.getAttribute('value'))));
    expect(bars[0]).toBe(1);
    expect(bars).toEqual([...bars].sort((a, b) => b - a));
    expect(bars.at(-1)).toBeLessThan(1);
    // The best guess is listed behind the disclosure, and opens highlighted inside its passage.
    await page.getByText(/The model's guesses/).click();
    const guess = page.locator('.guesses button').first();
    expect(normalize(await guess.innerText())).toBe(`“${normalize(api.answers[0].text)}”`);
    await desk.screenshot('03-no-confident-answer');
    await guess.click();
    const viewer = page.getByRole('dialog', { name: basename(api.answers[0].docPath) });
    await viewer.locator('mark').waitFor();
    expect(normalize(await viewer.locator('mark').innerText())).toBe(normalize(api.answers[0].text));
    expect(normalize(await viewer.getByTestId('passage').innerText())).toBe(normalize(api.answers[0].context));
    await desk.screenshot('04-viewer-answer');
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
  });

  it('the viewer shows a result in its document, scrolled to it, with copy path (web)', async () => {
    const q = questions[2];
    await desk.ask(q.question);
    const passage = (await askApi(q.question)).passages[0];
    await page.locator('li.card button.open').first().click();
    const viewer = page.getByRole('dialog', { name: q.file });
    const marked = viewer.getByTestId('passage');
    await marked.waitFor();
    expect(normalize(await marked.innerText())).toBe(normalize(passage.text));
    expect(await marked.isVisible()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Copy path' }).count()).toBe(1);
    expect(await viewer.getByRole('button', { name: 'Open in its app' }).count()).toBe(0); // desktop only
    expect(await viewer.getByText(join(docs, q.file), { exact: true }).count()).toBe(1);
    await desk.screenshot('05-viewer-passage');
    await viewer.getByRole('button', { name: 'Close the document' }).click();
    await viewer.waitFor({ state: 'hidden' });
  });

  it('keyboard: ↓ into the results, ↑/↓ between them, Enter opens, Esc back; history on Ctrl+↑ or an empty box', async () => {
    const box = desk.questionBox();
    // Words of every document: five passage cards to walk, whatever the random model's confidence.
    const spread = 'lens light lava bees tea giraffe';
    expect(await (await desk.ask(spread)).count()).toBeGreaterThan(1);
    await box.focus();
    await box.fill('a next question');
    await page.keyboard.press('ArrowUp'); // results on screen: plain ↑ does not walk the history
    expect(await box.inputValue()).toBe('a next question');
    await box.fill(spread);
    await page.keyboard.press('ArrowDown');
    const openButtons = page.locator('li.card button.open');
    const focusedCard = () => page.evaluate(`document.activeElement?.closest('li.card')?.getAttribute('data-doc-path') ?? null`);
    expect(await focusedCard()).toBe(await openButtons.first().evaluate((b) => b.closest('li.card')?.getAttribute('data-doc-path') ?? null));
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(`[...document.querySelectorAll('li.card button.open')].indexOf(document.activeElement)`)).toBe(1);
    await page.keyboard.press('ArrowUp');
    const firstDoc = await openButtons.first().evaluate((b) => b.closest('li.card')?.getAttribute('data-doc-path') ?? '');
    await page.keyboard.press('Enter');
    const viewer = page.getByRole('dialog', { name: basename(firstDoc) });
    await viewer.getByTestId('passage').waitFor();
    await page.keyboard.press('Escape'); // closes the viewer, focus back on the result
    await viewer.waitFor({ state: 'hidden' });
    await page.keyboard.press('Escape'); // back to the box
    expect(await page.evaluate(`document.activeElement?.getAttribute('role')`)).toBe('searchbox');
    // Ctrl+↑/↓ walk the history with results on screen (asked before this one: the viewer test's question).
    await page.keyboard.press('Control+ArrowUp');
    await page.keyboard.press('Control+ArrowUp');
    expect(await box.inputValue()).toBe(questions[2].question);
    await page.keyboard.press('Control+ArrowDown');
    await page.keyboard.press('Control+ArrowDown');
    expect(await box.inputValue()).toBe(spread);
    await page.keyboard.press('Escape');
    expect(await box.inputValue()).toBe('');
    expect(await page.locator('li.card').count()).toBe(0);
    await page.keyboard.press('ArrowUp');
    expect(await box.inputValue()).toBe(spread);
    await page.keyboard.press('ArrowUp');
    expect(await box.inputValue()).toBe(questions[2].question);
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
    await desk.screenshot('06-quick-ask', quick);
    await quick.keyboard.press('ArrowDown');
    await quick.keyboard.press('Enter');
    const viewer = quick.getByRole('dialog', { name: questions[3].file });
    await viewer.getByTestId('passage').waitFor();
    await quick.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    await box.focus();
    await quick.keyboard.press('Escape');
    expect(await box.inputValue()).toBe('');
    await quick.close();
  });

  it('quick ask is reachable from the web UI', async () => {
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Quick ask' }).click()]);
    expect(popup.url()).toMatch(/#\/quick$/);
    await desk.questionBox(popup).waitFor();
    await popup.close();
  });

  it('an answer citing a page opens the viewer at it, with the page in the header', async () => {
    const q = questions[1]; // tea.pdf: page 1 a short title, page 2 the Darjeeling harvest
    const cards = await desk.ask(q.question);
    const api = await askApi(q.question);
    const pdf = join(docs, q.file);
    expect(await cards.count()).toBeGreaterThan(0);
    const viewer = page.getByRole('dialog', { name: q.file });
    // An answer: the page its own text starts on, not its passage's (an answer card, or one of
    // the guesses behind the disclosure when none is confident: the tiny model is random).
    const answer = api.answers.find((a) => a.docPath === pdf && a.page === 2);
    expect(answer).toBeDefined();
    const confident = api.answers.filter((a) => a.confidence !== 'none');
    if (confident.includes(answer!)) {
      await page.locator('li.card.answer button.open').nth(confident.indexOf(answer!)).click();
    } else {
      await page.getByText(/The model's guesses/).click();
      await page.locator('.guesses button').nth(api.answers.indexOf(answer!)).click();
    }
    const mark = viewer.locator('mark');
    await mark.waitFor();
    expect(normalize(await mark.innerText())).toBe(normalize(answer!.text));
    expect(await viewer.getByTestId('viewer-page').innerText()).toBe('p. 2');
    // Scrolled to it: the highlighted answer lies inside the text's visible box.
    const inView = () =>
      mark.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const box = el.closest('.text')!.getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom;
      });
    await expect.poll(inView).toBe(true);
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
  });

  it('settings: k in plain words with the trained split, providers of this OS only, every model action in Models', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    expect(await dialog.getByText(/faster ↔ more accurate/).count()).toBe(1);
    const providers = await dialog.getByLabel('Compute').locator('option').allInnerTexts();
    expect(providers.join(' ')).not.toMatch(/DirectML|Core ML/); // Linux here
    const installed = dialog.getByRole('list', { name: 'Installed models' });
    await installed.locator('li[data-model="tiny-bert-qa"][data-active="true"]').waitFor();
    expect(await installed.locator('li[data-model="tiny-bert-qa"]').innerText()).toMatch(/BERT · 4 layers · .* · stock weights/);
    expect(await dialog.getByRole('list', { name: 'Model catalogue' }).locator('li').count()).toBe(4);
    // Import a DeFormer-trained checkpoint from inside the dialog: it is put in use, the top bar follows,
    // k defaults to its trained split and another k is flagged.
    const trained = await makeRandomCheckpoint({
      arch: 'distilbert', layers: 4, hidden: 32, heads: 2, ffn: 64, seed: 3,
      out: join(root, 'deformer-distil'), deformer: { k: 1, trainedK: [1, 2] },
    });
    await dialog.getByLabel(/Import a checkpoint/).fill(trained);
    await dialog.getByRole('button', { name: 'Import' }).click();
    const imported = installed.locator('li[data-model="deformer-distil"][data-active="true"]');
    await imported.waitFor();
    expect(await imported.innerText()).toMatch(/DISTILBERT · 4 layers · .* · trained for k = 1, 2/);
    await expect.poll(() => page.getByRole('button', { name: /^Model: deformer-distil/ }).count()).toBe(1);
    const k = dialog.getByLabel('Speed');
    expect(await k.locator('option:checked').innerText()).toBe('As trained (k = 1 of 4)');
    expect(await dialog.getByRole('note').count()).toBe(0);
    await k.selectOption({ label: 'k = 3' });
    expect(await dialog.getByRole('note').innerText()).toMatch(/trained for k = 1, 2\. Another k runs the model at a split it was not trained for/);
    await k.selectOption({ label: 'As trained (k = 1 of 4)' });
    // An error from the dialog shows in the dialog.
    const errorsBefore = pageErrors.length;
    await dialog.getByLabel(/Import a checkpoint/).fill(join(root, 'no-such-checkpoint'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(pageErrors.splice(errorsBefore)).toEqual([]);
    await desk.screenshot('07-settings-models');
    // The CLI (another process, the same models folder) removes the model in use: the app follows without a reload.
    await new ModelManager({ modelsDir: join(root, 'models') }).remove('deformer-distil');
    await installed.locator('li[data-model="deformer-distil"]').waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => page.getByRole('button', { name: /^Model: none, search only/ }).count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByRole('button', { name: 'Use tiny-bert-qa' }).click();
    await expect.poll(() => page.getByRole('button', { name: /^Model: tiny-bert-qa/ }).count()).toBe(1);
    await dialog.getByRole('button', { name: 'Use search only' }).click();
    await dialog.getByRole('button', { name: 'Close settings' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('button', { name: /^Model: none, search only/ }).count()).toBe(1);
    await app.service.whenIdle();
    const cards = await desk.ask(questions[4].question);
    expect(await page.getByText('Search results', { exact: true }).count()).toBe(1);
    expect(await cards.first().getAttribute('data-doc-path')).toBe(join(docs, questions[4].file));
    expect(await cards.first().locator('.headline').count()).toBe(0);
    expect(normalize(await cards.first().locator('.excerpt mark').first().innerText()).toLowerCase()).toMatch(/basalt|lava|etna|mount|town|reach/);
    await desk.screenshot('08-search-only');
  });

  it('raised no script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
