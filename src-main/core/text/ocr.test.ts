import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError } from '../errors';
import { extractText } from './extract';
import { closeOcr, DEFAULT_PAGE_TIMEOUT_MS, recognizeImage } from './ocr';
import { mixedPdf, scannedPage } from './testing-scans';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-ocr-'));
});
afterAll(async () => {
  await closeOcr();
  await rm(dir, { recursive: true, force: true });
});

const SCANNED = 'The first flush harvest begins in March.';

describe('OCR (tesseract.js, offline)', () => {
  it('reads a PDF page that has no text layer, keeps its page number and says so', { timeout: 120_000 }, async () => {
    const path = join(dir, 'mixed.pdf');
    await writeFile(path, await mixedPdf([{ text: 'Page one has a real text layer.' }, { scan: [SCANNED] }]));
    const steps: string[] = [];
    const got = await extractText(path, { ocr: { onProgress: (m) => steps.push(m) } });
    expect(steps).toEqual(['OCR page 1/1']); // only the page without a text layer
    const page2 = got.pages!.find((p) => p.page === 2)!;
    expect(got.text.slice(page2.charStart, page2.charEnd)).toBe(SCANNED);
    expect(got.text.startsWith('Page one has a real text layer.')).toBe(true);
    expect(got.warnings).toContain('OCR: read 1 of 2 pages from their images (no text layer)');

    // The same file with OCR off: the scanned page stays empty.
    const off = await extractText(path);
    expect(off.text).toBe('Page one has a real text layer.');
  });

  it('fails a page that needs more memory than its budget, ends that worker, and reads the next page', { timeout: 120_000 }, async () => {
    const page = scannedPage(['Invoice 2041 is due on 3 May.'], 300);
    await closeOcr(); // a fresh worker: its WebAssembly memory must grow for a full 300 dpi page
    const err = await recognizeImage(page, DEFAULT_PAGE_TIMEOUT_MS, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeskError);
    expect(err).toMatchObject({ code: 'EXTRACT_FAILED', message: 'OCR needed more than 1 MB for this page' });
    expect((await recognizeImage(page)).trim()).toBe('Invoice 2041 is due on 3 May.');
  });

  it('reads a PNG image, and skips images with a reason when OCR is off', { timeout: 120_000 }, async () => {
    const path = join(dir, 'note.png');
    await writeFile(path, scannedPage(['Invoice 2041 is due on 3 May.'], 150));
    const got = await extractText(path, { ocr: {} });
    expect(got.text).toBe('Invoice 2041 is due on 3 May.');
    const err = await extractText(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeskError);
    expect((err as DeskError).code).toBe('EXTRACT_EMPTY');
    expect((err as DeskError).message).toBe('images are read only by OCR, which is off in Settings');
  });
});
