import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { DeskError } from '../errors';
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
 */
export async function extractPdf(bytes: Uint8Array, signal?: AbortSignal): Promise<ExtractedText> {
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
    let text = '';
    const pages: NonNullable<ExtractedText['pages']> = [];
    const warnings: string[] = [];
    for (let p = 1; p <= doc.numPages; p++) {
      if (signal?.aborted) throw new DeskError('CANCELLED', 'extraction cancelled');
      let pageText = '';
      try {
        pageText = await readPageText(doc, p);
      } catch (err) {
        warnings.push(`page ${p}: could not read its text (${reason(err)})`);
      }
      if (pageText !== '' && text !== '') text += '\n\n';
      const charStart = text.length;
      text += pageText;
      pages.push({ page: p, charStart, charEnd: text.length });
    }
    if (doc.numPages > 0 && warnings.length === doc.numPages) {
      throw new DeskError('EXTRACT_FAILED', `corrupt PDF: no page could be read (${warnings[0]})`);
    }
    return { text, pages, warnings };
  } finally {
    await task.destroy(); // also destroys the document and frees the fake worker's state
  }
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
