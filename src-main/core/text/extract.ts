import { extname } from 'node:path';
import { DeskError } from '../errors';
import { decodeText, type DecodedText } from './decode-text';
import { extractDocx } from './extract-docx';
import { extractPdf } from './extract-pdf';
import { htmlToText } from './html-to-text';
import { markdownOrPlainText } from './markdown-to-text';
import { readDocument } from './read-document';
import type { ExtractedText } from './types';

/** Extensions (lower case, with the dot) that `extractText` reads. */
export const SUPPORTED_EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx'] as const;

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
}

/** What a file type turns into when its text is empty, in words for the person. */
const NO_TEXT: Record<string, string> = {
  '.pdf': 'no text found: the PDF may be scanned images without a text layer',
  '.docx': 'no text found in this Word document',
  '.html': 'no visible text in this web page',
  '.md': 'no text found after removing Markdown markup',
};

/**
 * Reads a document and returns its plain text. Dispatches on the extension; every expected
 * failure is a DeskError (UNSUPPORTED_TYPE, FILE_TOO_LARGE, FILE_UNREADABLE, EXTRACT_EMPTY,
 * EXTRACT_BINARY, EXTRACT_ENCRYPTED, EXTRACT_FAILED, CANCELLED).
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

  const extracted = await extractByType(ext, bytes, opts.signal);
  if (extracted.text.trim() === '') {
    throw new DeskError('EXTRACT_EMPTY', NO_TEXT[canonical(ext)] ?? 'empty file');
  }
  return extracted;
}

async function extractByType(ext: string, bytes: Uint8Array, signal?: AbortSignal): Promise<ExtractedText> {
  switch (canonical(ext)) {
    case '.pdf':
      return extractPdf(bytes, signal);
    case '.docx':
      return extractDocx(bytes);
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
  return ext;
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
