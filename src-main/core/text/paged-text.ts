import type { ExtractedText } from './types';

/**
 * Joins the texts of a document's pages (PDF pages, slides, chapters, sheets) as the PDF
 * extractor does: a blank line between non-empty pages, and each page's span in `pages`, so
 * passages and answers can name the page a character is on.
 */
export function joinPages(pages: Array<{ page: number; text: string }>): Required<Pick<ExtractedText, 'text' | 'pages'>> {
  let text = '';
  const spans: NonNullable<ExtractedText['pages']> = [];
  for (const { page, text: pageText } of pages) {
    if (pageText !== '' && text !== '') text += '\n\n';
    const charStart = text.length;
    text += pageText;
    spans.push({ page, charStart, charEnd: text.length });
  }
  return { text, pages: spans };
}
