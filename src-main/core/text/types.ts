/** What text extraction produces from one file. Offsets everywhere below are into `text`. */
export interface ExtractedText {
  text: string;
  /** Paged formats (PDF page, slide, EPUB chapter, spreadsheet sheet): page p (1-based) covers text[charStart, charEnd). */
  pages?: Array<{ page: number; charStart: number; charEnd: number }>;
  /** How the bytes were decoded (txt): 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin-1'. */
  encoding?: string;
  /** Non-fatal notes a person may want to see (e.g. "invalid UTF-8: decoded as Latin-1"). */
  warnings: string[];
  /** Pages (or images) whose text was read by OCR; absent when none was. */
  ocrPages?: number;
}

/**
 * A window of a document's tokens, at most W tokens including the trailing [SEP],
 * overlapping the previous window by O tokens. Never splits a token.
 */
export interface PassageWindow {
  /** 0-based index of the window within its document. */
  index: number;
  /** Token ids of the passage segment `p [SEP]`. */
  ids: Int32Array;
  /** Char span of each token in the extracted text; the [SEP] is [-1, -1]. */
  offsets: Array<[number, number]>;
  /** Char span of the window in the extracted text: [charStart, charEnd). */
  charStart: number;
  charEnd: number;
  /** Page (PDF page, slide, chapter) of charStart, when the format has pages. */
  page?: number;
  /** Pages that start inside the window, after charStart, in order: an answer's own page is read from these. */
  pageBreaks?: PageBreak[];
}

/** A page that starts at `charStart` in the document's extracted text. */
export interface PageBreak {
  page: number;
  charStart: number;
}
