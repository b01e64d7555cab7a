import { DeskError } from '../errors';
import { DEFAULT_PAGE_TIMEOUT_MS, type OcrOptions, recognizeImage } from './ocr';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';

/**
 * A TIFF image's text by OCR. tesseract.js decodes TIFF itself (its Leptonica is built with
 * libtiff), so no image library is needed; what is checked here is that the bytes are a TIFF at
 * all, and how many pages it holds: Leptonica reads the first page only, and the person is told.
 */
export async function extractTiff(bytes: Uint8Array, ocr: OcrOptions): Promise<ExtractedText> {
  const pages = tiffPageCount(bytes);
  ocr.onProgress?.('OCR page 1/1');
  let text: string;
  try {
    text = await recognizeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), ocr.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS);
  } catch (err) {
    // A timeout keeps its own message; anything else means the image could not be decoded.
    if (err instanceof DeskError && /longer than/.test(err.message)) throw err;
    throw new DeskError('EXTRACT_FAILED', 'corrupt TIFF image: its pixels could not be decoded');
  }
  const warnings = ['OCR: text read from the image'];
  if (pages > 1) warnings.push(`TIFF: only the first of its ${pages} pages was read`);
  return { text: tidyText(text.replace(/\r\n?/g, '\n')), warnings, ocrPages: 1 };
}

/** Most pages counted: a longer or looping chain of image directories is a corrupt file. */
const maxPages = 10_000;

/**
 * Pages (image directories) in a classic TIFF; throws DeskError(EXTRACT_FAILED) when the bytes
 * are not one: a bad header, or a directory outside the file. BigTIFF (version 43) is refused by name.
 */
export function tiffPageCount(bytes: Uint8Array): number {
  const corrupt = (why: string) => new DeskError('EXTRACT_FAILED', `corrupt TIFF image: ${why}`);
  if (bytes.length < 8) throw corrupt('too short to be a TIFF file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0], bytes[1]);
  if (order !== 'II' && order !== 'MM') throw corrupt('not a TIFF file (bad header)');
  const little = order === 'II';
  const version = view.getUint16(2, little);
  if (version === 43) throw new DeskError('EXTRACT_FAILED', 'BigTIFF images are not supported: save it as a classic TIFF, PNG or PDF');
  if (version !== 42) throw corrupt('not a TIFF file (bad header)');
  let pages = 0;
  const seen = new Set<number>();
  for (let at = view.getUint32(4, little); at !== 0; pages++) {
    if (pages >= maxPages || seen.has(at)) throw corrupt('its page directories loop');
    if (at + 2 > bytes.length) throw corrupt('a page directory lies outside the file (truncated?)');
    seen.add(at);
    const entries = view.getUint16(at, little);
    const next = at + 2 + entries * 12;
    if (next + 4 > bytes.length) throw corrupt('a page directory lies outside the file (truncated?)');
    at = view.getUint32(next, little);
  }
  if (pages === 0) throw corrupt('it holds no image');
  return pages;
}
