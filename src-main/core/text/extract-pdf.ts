import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { DeskError } from '../errors';
import { DEFAULT_PAGE_TIMEOUT_MS, type OcrOptions, recognizeImage } from './ocr';
import { joinPages } from './paged-text';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';

type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsLoaded: Promise<Pdfjs> | undefined;

/** pdf.js is large (about a second to import): load it on the first PDF, once. */
function loadPdfjs(): Promise<Pdfjs> {
  pdfjsLoaded ??= (async () => {
    // The worker module registers globalThis.pdfjsWorker, so pdf.js parses in this thread
    // ("fake worker") without resolving a worker URL, which bundlers and Node both dislike.
    await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsLoaded;
}

let assets: { cMapUrl: string; standardFontDataUrl: string; wasmUrl: string } | undefined;

/**
 * Folders of pdf.js's data files as filesystem paths (in Node pdf.js reads them with fs):
 * CMaps for CJK text in PDFs that use predefined encodings, standard font metrics.
 */
function pdfjsAssets() {
  if (!assets) {
    const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    const folder = (name: string) => join(root, name) + sep; // pdf.js insists on the trailing slash
    assets = { cMapUrl: folder('cmaps'), standardFontDataUrl: folder('standard_fonts'), wasmUrl: folder('wasm') };
  }
  return assets;
}

/**
 * Text of every page, pages separated by a blank line; `pages` maps each page to its span.
 * Items are joined as pdf.js's own find bar joins them: pdf.js already emits " " items where
 * it sees a gap, and `hasEOL` marks a line end. A page that fails to parse is skipped with a warning.
 * With `ocr`, pages without a text layer (scans, photos) are rendered and read by OCR, page by
 * page, after every text layer has been read, so progress can say "OCR page 3/12".
 */
export async function extractPdf(bytes: Uint8Array, signal?: AbortSignal, ocr?: OcrOptions): Promise<ExtractedText> {
  const pdfjs = await loadPdfjs();
  const task = pdfjs.getDocument({
    data: bytes, // pdf.js takes ownership (transfers the buffer): the caller must not reuse it
    isEvalSupported: false, // never compile PostScript functions from the file with eval
    disableFontFace: true, // no DOM fonts in Node; text extraction does not need them
    useSystemFonts: false,
    verbosity: 0, // errors only: malformed files are routine, their warnings are noise
    ...pdfjsAssets(),
  });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      throw pdfError(err);
    });
    const pages: Array<{ page: number; text: string }> = [];
    const warnings: string[] = [];
    let unreadable = 0;
    for (let p = 1; p <= doc.numPages; p++) {
      throwIfAborted(signal);
      let text = '';
      try {
        text = await readPageText(doc, p);
      } catch (err) {
        unreadable++;
        warnings.push(`page ${p}: could not read its text (${reason(err)})`);
      }
      pages.push({ page: p, text });
    }
    if (doc.numPages > 0 && unreadable === doc.numPages) {
      throw new DeskError('EXTRACT_FAILED', `corrupt PDF: no page could be read (${warnings[0]})`);
    }
    const read = ocr ? await ocrPages(doc, pages.filter((p) => !hasTextLayer(p.text)), ocr, warnings, signal) : 0;
    return { ...joinPages(pages), warnings, ...(read > 0 ? { ocrPages: read } : {}) };
  } finally {
    await task.destroy(); // also destroys the document and frees the fake worker's state
  }
}

/** A page with fewer letters than this has no real text layer (a scan may carry a stamped page number). */
const MIN_TEXT_LAYER_CHARS = 10;

function hasTextLayer(text: string): boolean {
  return text.replace(/[^\p{L}\p{N}]/gu, '').length >= MIN_TEXT_LAYER_CHARS;
}

/** OCR of `pages` in place; a page that fails keeps its text layer and gets a warning. Returns the pages read. */
async function ocrPages(doc: PdfDocument, pages: Array<{ page: number; text: string }>, ocr: OcrOptions, warnings: string[], signal?: AbortSignal): Promise<number> {
  let read = 0;
  for (const [i, page] of pages.entries()) {
    throwIfAborted(signal);
    ocr.onProgress?.(`OCR page ${i + 1}/${pages.length}`);
    try {
      const image = await renderPage(doc, page.page);
      const text = tidyText((await recognizeImage(image, ocr.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS)).replace(/\r\n?/g, '\n'));
      if (text.length > page.text.length) page.text = text;
      if (hasTextLayer(text)) read++;
    } catch (err) {
      warnings.push(`page ${page.page}: OCR failed (${reason(err)})`);
    }
  }
  if (read > 0) warnings.push(`OCR: read ${read} of ${doc.numPages} pages from their images (no text layer)`);
  return read;
}

/** OCR reads best near 300 dpi; pages larger than MAX_SIDE pixels at that scale are rendered smaller. */
const OCR_DPI = 300;
/**
 * Bounds one page's canvas to MAX_SIDE² × 4 bytes (13 MB), whatever size the PDF declares: an A4
 * page at ~154 dpi; text at 150 dpi still read without errors in the CER measurement. Drawing a
 * page can take far more than its canvas, in proportion to its pixels: the hostile
 * bug1703683_page2_reduced.pdf took +1.38 GB at 2500 px, +0.92 GB at 2000, +0.56 GB at 1500 (under
 * the indexer's malloc settings, malloc-env.ts), so the cap is what bounds it (README "OCR").
 */
const MAX_SIDE = 1800;

/** One page rendered to a PNG at OCR_DPI on an @napi-rs/canvas canvas (prebuilt, no system libraries). */
async function renderPage(doc: PdfDocument, pageNumber: number): Promise<Buffer> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const page = await doc.getPage(pageNumber);
  try {
    const base = page.getViewport({ scale: 1 });
    const scale = Math.min(OCR_DPI / 72, MAX_SIDE / Math.max(base.width, base.height, 1));
    const viewport = page.getViewport({ scale });
    const canvas = createCanvas(Math.max(1, Math.ceil(viewport.width)), Math.max(1, Math.ceil(viewport.height)));
    const context = canvas.getContext('2d');
    context.fillStyle = 'white'; // scans with transparency would otherwise read as black on black
    context.fillRect(0, 0, canvas.width, canvas.height);
    // pdf.js types its canvas as the DOM's; in Node it draws on @napi-rs/canvas (its own Node canvas).
    const target = { canvas, canvasContext: context, viewport } as unknown as Parameters<typeof page.render>[0];
    await page.render(target).promise;
    return await canvas.encode('png');
  } finally {
    page.cleanup();
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DeskError('CANCELLED', 'extraction cancelled');
}

type PdfDocument = Awaited<ReturnType<Pdfjs['getDocument']>['promise']>;

async function readPageText(doc: PdfDocument, pageNumber: number): Promise<string> {
  const page = await doc.getPage(pageNumber);
  try {
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue; // marked-content markers carry no text
      text += item.str;
      if (item.hasEOL) text += '\n';
    }
    return tidyText(text.replace(/\r\n?/g, '\n'));
  } finally {
    page.cleanup();
  }
}

function pdfError(err: unknown): DeskError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return new DeskError('EXTRACT_ENCRYPTED', 'encrypted PDF: needs a password');
  return new DeskError('EXTRACT_FAILED', `corrupt PDF: ${reason(err)}`);
}

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\.$/, '') || 'unknown error';
}
