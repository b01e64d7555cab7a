import { extname } from 'node:path';
import { DeskError } from '../errors';
import { archiveLimits } from './archive';
import { decodeText, type DecodedText } from './decode-text';
import { extractDocx } from './extract-docx';
import { extractEpub } from './extract-epub';
import { extractOdf } from './extract-odf';
import { extractPdf } from './extract-pdf';
import { extractPptx } from './extract-pptx';
import { extractRtf } from './extract-rtf';
import { extractTiff } from './extract-tiff';
import { htmlToText } from './html-to-text';
import { DEFAULT_PAGE_TIMEOUT_MS, type OcrOptions, recognizeImage } from './ocr';
import { markdownOrPlainText } from './markdown-to-text';
import { readDocument } from './read-document';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';

/** Extensions (lower case, with the dot) that `extractText` reads. */
export const SUPPORTED_EXTENSIONS = [
  '.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx', '.epub', '.odt', '.ods', '.odp', '.pptx', '.rtf',
  '.png', '.jpg', '.jpeg', '.tif', '.tiff', // read by OCR only
] as const;

/** True when `extractText` knows the file's extension (case-insensitive). */
export function isSupportedPath(path: string): boolean {
  return (SUPPORTED_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

/** Options for one extraction. */
export interface ExtractOptions {
  /** Files larger than this are refused with FILE_TOO_LARGE before being read. */
  maxBytes?: number;
  /** Aborting stops between pages (PDF) or steps and throws CANCELLED. */
  signal?: AbortSignal;
  /** OCR for PDF pages without a text layer and for images; absent: OCR is off (Settings). */
  ocr?: OcrOptions;
}

/** What a file type turns into when its text is empty, in words for the person. */
const NO_TEXT: Record<string, string> = {
  '.pdf': 'no text found: the PDF may be scanned images without a text layer (OCR is off in Settings)',
  '.docx': 'no text found in this Word document',
  '.epub': 'no text found in this EPUB book',
  '.odt': 'no text found in this OpenDocument text',
  '.ods': 'no text found in this OpenDocument spreadsheet',
  '.odp': 'no text found in this OpenDocument presentation',
  '.pptx': 'no text found on the slides or in their notes',
  '.rtf': 'no text found in this RTF document',
  '.html': 'no visible text in this web page',
  '.md': 'no text found after removing Markdown markup',
  '.jpg': 'no text found in the image by OCR',
  '.png': 'no text found in the image by OCR',
  '.tiff': 'no text found in the image by OCR',
};

/**
 * Reads a document and returns its plain text. Dispatches on the extension; every expected
 * failure is a DeskError (UNSUPPORTED_TYPE, FILE_TOO_LARGE, FILE_UNREADABLE, EXTRACT_EMPTY,
 * EXTRACT_BINARY, EXTRACT_ENCRYPTED, EXTRACT_FAILED, EXTRACT_TOO_LARGE (zip limits), CANCELLED).
 */
export async function extractText(path: string, opts: ExtractOptions = {}): Promise<ExtractedText> {
  const ext = extname(path).toLowerCase();
  if (!isSupportedPath(path)) {
    throw new DeskError('UNSUPPORTED_TYPE', `unsupported file type "${ext || '(no extension)'}": DeFormer Desk reads ${SUPPORTED_EXTENSIONS.join(' ')}`);
  }
  throwIfAborted(opts.signal);
  const bytes = await readDocument(path, opts.maxBytes);
  throwIfAborted(opts.signal);
  if (bytes.length === 0) throw new DeskError('EXTRACT_EMPTY', 'empty file');

  const extracted = await extractByType(ext, bytes, opts);
  if (extracted.text.trim() === '') {
    const why = canonical(ext) === '.pdf' && opts.ocr ? 'no text found, not even by OCR of its pages' : NO_TEXT[canonical(ext)];
    throw new DeskError('EXTRACT_EMPTY', why ?? 'empty file');
  }
  return extracted;
}

async function extractByType(ext: string, bytes: Uint8Array, opts: ExtractOptions): Promise<ExtractedText> {
  const { signal } = opts;
  switch (canonical(ext)) {
    case '.pdf':
      return extractPdf(bytes, signal, opts.ocr);
    case '.png':
    case '.jpg':
      return extractImage(bytes, opts.ocr);
    case '.tiff':
      return opts.ocr ? extractTiff(bytes, opts.ocr) : extractImage(bytes);
    case '.docx':
      return extractDocx(bytes, archiveLimits(opts.maxBytes));
    case '.epub':
      return extractEpub(bytes, archiveLimits(opts.maxBytes));
    case '.odt':
    case '.ods':
    case '.odp':
      return extractOdf(bytes, canonical(ext), archiveLimits(opts.maxBytes));
    case '.pptx':
      return extractPptx(bytes, archiveLimits(opts.maxBytes));
    case '.rtf':
      return extractRtf(bytes);
    case '.md':
      return fromDecoded(decodeOrEmpty(bytes), markdownOrPlainText);
    case '.html': {
      const decoded = decodeOrEmpty(bytes, declaredCharset(bytes));
      return fromDecoded(decoded, (source, warnings) => {
        const { text, title, fallback } = htmlToText(source);
        if (fallback) warnings.push(fallback);
        // The title is often repeated as the first heading: keep it once.
        return title && !text.startsWith(title) ? `${title}\n\n${text}` : text;
      });
    }
    default:
      return fromDecoded(decodeOrEmpty(bytes), (text) => text);
  }
}

function canonical(ext: string): string {
  if (ext === '.markdown') return '.md';
  if (ext === '.htm') return '.html';
  if (ext === '.jpeg') return '.jpg';
  if (ext === '.tif') return '.tiff';
  return ext;
}

/** An image's text by OCR; with OCR off the image is skipped, saying why. */
async function extractImage(bytes: Uint8Array, ocr?: OcrOptions): Promise<ExtractedText> {
  if (!ocr) throw new DeskError('EXTRACT_EMPTY', 'images are read only by OCR, which is off in Settings');
  ocr.onProgress?.('OCR page 1/1');
  const text = await recognizeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), ocr.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS);
  return { text: tidyText(text.replace(/\r\n?/g, '\n')), warnings: ['OCR: text read from the image'], ocrPages: 1 };
}

/** Decodes bytes; a file of only whitespace is "empty" whatever its markup would have made of it. */
function decodeOrEmpty(bytes: Uint8Array, charset?: string): DecodedText {
  const decoded = decodeText(bytes, charset);
  if (decoded.text.trim() === '') throw new DeskError('EXTRACT_EMPTY', 'empty file');
  return decoded;
}

function fromDecoded(decoded: DecodedText, toText: (source: string, warnings: string[]) => string): ExtractedText {
  const warnings = [...decoded.warnings];
  return { text: toText(decoded.text, warnings), encoding: decoded.encoding, warnings };
}

/** The charset an HTML file declares in its first KB (`<meta charset>` or http-equiv content). */
function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head)?.[1];
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DeskError('CANCELLED', 'extraction cancelled');
}
