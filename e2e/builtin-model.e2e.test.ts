/**
 * A fresh install, as a newcomer gets it: no model downloaded or imported, only the built-in
 * DeFormer-trained model (models/builtin). A folder of real documents (one per format) is added
 * in the UI, and real questions are answered from them, in the UI, with the right words. The
 * screenshot of the first answer is the README's.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModelDir } from '../models/builtin';
import { mixedPdf } from '../src-main/core/text/testing-scans';
import { startWebApp, type WebApp } from '../src-main/web/web-app';
import { DeskDriver, webHooks } from './driver';
import { writeLibrary } from './fixtures';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Each question with a word its answer must contain, and the file the answer must come from. */
const cases = [
  { question: 'When does the Darjeeling first flush harvest begin?', expect: /march/i, file: 'tea.pdf' },
  { question: 'What do giraffes eat on the savanna?', expect: /acacia/i, file: 'giraffes.txt' },
  { question: 'Who invented the Fresnel lens for lighthouses?', expect: /fresnel/i, file: 'lighthouse.html' },
  { question: 'Which town did the basalt lava of Mount Etna reach?', expect: /catania/i, file: 'volcano.md' },
];

describe('the built-in model answers real questions on a fresh install', () => {
  let root: string;
  let docs: string;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  let desk: DeskDriver;

  beforeAll(async () => {
    expect(existsSync(join(builtinModelDir, 'model.safetensors')), `${builtinModelDir} is part of the repository`).toBe(true);
    root = mkdtempSync(join(tmpdir(), 'desk-builtin-'));
    docs = await writeLibrary(join(root, 'Documents'));
    // A letter whose second page is only a scan (no text layer): its words exist only through OCR.
    writeFileSync(join(docs, 'letter.pdf'), await mixedPdf([
      { text: 'Dear committee, please find the bridge report attached.' },
      { scan: ['The old stone bridge over the river', 'was rebuilt by the engineer Thomas Telford', 'in the spring of 1826.'] },
    ]));
    app = await startWebApp({ appDataDir: join(root, 'app'), modelsDir: join(root, 'models'), checkResponses: true, threads: 2 });
    browser = await chromium.launch({ executablePath: chromiumPath });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
    desk = new DeskDriver(page, webHooks(app.server.url));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('uses the built-in model at the split it was trained for, with nothing installed', async () => {
    await page.goto(app.server.url);
    await expect.poll(() => page.getByRole('button', { name: /^Model: deformer-minilm-l6-squad/ }).count()).toBe(1);
  });

  it('indexes a folder and answers from the right document with the right words', async () => {
    await desk.addFolder(docs);
    await desk.waitIndexed(docs, 300_000);
    for (const [i, c] of cases.entries()) {
      const cards = await desk.ask(c.question);
      const top = cards.first();
      expect(await top.getAttribute('data-doc-path'), c.question).toBe(join(docs, c.file));
      expect(await top.locator('.headline').innerText(), c.question).toMatch(c.expect);
      if (i === 0) await desk.screenshot('00-builtin-answer');
    }
  }, 600_000);

  it('answers from a scanned page through OCR, citing that page', async () => {
    const top = (await desk.ask('Who rebuilt the old stone bridge?')).first();
    expect(await top.getAttribute('data-doc-path')).toBe(join(docs, 'letter.pdf'));
    expect(await top.locator('.headline').innerText()).toMatch(/telford/i);
    expect(await top.innerText()).toMatch(/p\. 2\b/);
  }, 600_000);
});
