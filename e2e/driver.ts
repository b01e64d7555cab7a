/**
 * The steps the end-to-end tests take, written once against a Playwright Page, so they run the
 * same against the web shell (Chromium, here) and the desktop shell (Playwright's _electron,
 * where an Electron binary is installed). Only adding a folder and opening quick ask differ: the
 * desktop app has a native folder dialog and a separate quick-ask window.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectronApplication, Locator, Page } from 'playwright-core';

export const screenshotDir = join(import.meta.dirname, '..', 'test-output', 'e2e');

/** How a shell differs. */
export interface ShellHooks {
  /** Adds a watched folder the way a person would on this shell. */
  addFolder(page: Page, path: string): Promise<void>;
  /** A page showing the quick-ask route. */
  openQuick(page: Page): Promise<Page>;
}

/** The web shell: a typed path; quick ask is the #/quick route in another tab (token in its URL). */
export function webHooks(url: string): ShellHooks {
  return {
    async addFolder(page, path) {
      await page.getByLabel('Folder path').first().fill(path);
      await page.getByRole('button', { name: 'Add folder' }).first().click();
      await page.getByText(`Watching ${path}.`).waitFor();
    },
    async openQuick(page) {
      const quick = await page.context().newPage();
      await quick.setViewportSize({ width: 680, height: 380 });
      await quick.goto(`${url}#/quick`);
      return quick;
    },
  };
}

/**
 * The desktop shell: the native folder dialog cannot be driven, so a folder is added through the
 * preload bridge the dialog's answer would go to; quick ask is its own (hidden) window, shown the
 * way the global shortcut shows it.
 */
export function electronHooks(app: ElectronApplication): ShellHooks {
  return {
    async addFolder(page, path) {
      const result = await page.evaluate(`window.desk.invoke('folders.add', { path: ${JSON.stringify(path)} })`);
      if (!(result as { ok: boolean }).ok) throw new Error(`folders.add failed: ${JSON.stringify(result)}`);
      await page.getByRole('button', { name: /^Library/ }).click();
    },
    async openQuick() {
      await app.evaluate(({ BrowserWindow }) => {
        type Win = { getTitle(): string; show(): void; focus(): void };
        const quick = (BrowserWindow.getAllWindows() as Win[]).find((w) => w.getTitle() === 'Quick ask');
        quick?.show();
        quick?.focus();
      });
      const quick = app.windows().find((p) => p.url().endsWith('#/quick'));
      if (!quick) throw new Error('no quick-ask window');
      return quick;
    },
  };
}

/** A driver over one main page. */
export class DeskDriver {
  constructor(
    readonly page: Page,
    private readonly hooks: ShellHooks,
  ) {}

  async screenshot(name: string, page: Page = this.page): Promise<string> {
    mkdirSync(screenshotDir, { recursive: true });
    const path = join(screenshotDir, `${name}.png`);
    await page.screenshot({ path });
    return path;
  }

  questionBox(page: Page = this.page): Locator {
    return page.getByRole('searchbox', { name: 'Ask a question about your documents' });
  }

  addFolder(path: string): Promise<void> {
    return this.hooks.addFolder(this.page, path);
  }

  /** Opens the library panel if it is closed. */
  async openLibrary(): Promise<Locator> {
    const toggle = this.page.getByRole('button', { name: /^Library/ });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    return this.page.locator('#library-panel');
  }

  /** Waits until the folder's card says it is up to date; resolves to the card. */
  async waitIndexed(folder: string, timeoutMs = 60_000): Promise<Locator> {
    const card = (await this.openLibrary()).locator(`li[data-folder="${folder}"]`);
    await card.and(this.page.locator('[data-state="done"]')).waitFor({ timeout: timeoutMs });
    return card;
  }

  /** Types a question, presses Enter, and waits for the result cards; resolves to them. */
  async ask(question: string, page: Page = this.page): Promise<Locator> {
    const box = this.questionBox(page);
    await box.fill(question);
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Results' });
    await results.and(page.locator('[aria-busy="false"]')).locator('li.card').first().waitFor();
    return results.locator('li.card');
  }

  openQuick(): Promise<Page> {
    return this.hooks.openQuick(this.page);
  }
}
