import { DeskError } from '../errors';
import { type ArchiveLimits, withArchive } from './archive';
import { TextWriter } from './html-to-text';
import { joinPages } from './paged-text';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';
import { walkXml } from './xml-parts';

/** The OpenDocument flavours read, by extension; `pageElement` starts a page (slide, sheet). */
const FLAVOURS: Record<string, { kind: string; ext: string; pageElement?: string }> = {
  '.odt': { kind: 'OpenDocument text', ext: '.odt' },
  '.ods': { kind: 'OpenDocument spreadsheet', ext: '.ods', pageElement: 'table:table' },
  '.odp': { kind: 'OpenDocument presentation', ext: '.odp', pageElement: 'draw:page' },
};

/** Elements whose text a reader does not see in the body: deleted tracked changes, form and shape descriptions. */
const HIDDEN = new Set(['text:tracked-changes', 'office:forms', 'svg:title', 'svg:desc', 'office:annotation', 'text:note-citation']);
const PARAGRAPH = new Set(['text:p', 'text:h']);

/**
 * OpenDocument text, spreadsheets and presentations (content.xml): paragraphs and headings,
 * table cells tab-separated; ODP slides (with their notes) and ODS sheets are pages. The npm
 * ODF readers are unmaintained or convert whole documents to HTML; content.xml is plain XML.
 */
export async function extractOdf(bytes: Uint8Array, ext: string, limits: ArchiveLimits): Promise<ExtractedText> {
  const flavour = FLAVOURS[ext];
  return withArchive(bytes, flavour, limits, async (archive) => {
    // A password-protected ODF file is a zip whose parts are encrypted, as the manifest says.
    if ((await archive.readText('META-INF/manifest.xml'))?.includes('encryption-data')) {
      throw new DeskError('EXTRACT_ENCRYPTED', `encrypted ${flavour.kind}: needs a password`);
    }
    const content = await archive.readText('content.xml');
    if (content === undefined) throw new DeskError('EXTRACT_FAILED', `corrupt ${flavour.kind}: it has no content.xml`);
    const pages = bodyText(content, flavour.pageElement);
    return flavour.pageElement ? { ...joinPages(pages), warnings: [] } : { text: pages[0]?.text ?? '', warnings: [] };
  });
}

/** The body's text, split into pages at each `pageElement` (one page for text documents). */
function bodyText(xml: string, pageElement?: string): Array<{ page: number; text: string }> {
  const pages: Array<{ page: number; text: string }> = [];
  let out = new TextWriter();
  let hiddenDepth = 0;
  let paragraphDepth = 0;
  let cellDepth = 0;
  walkXml(xml, {
    onopentag(name) {
      if (hiddenDepth > 0 || HIDDEN.has(name)) return void hiddenDepth++;
      if (name === pageElement) out = new TextWriter();
      else if (PARAGRAPH.has(name)) {
        paragraphDepth++;
        if (cellDepth > 0) out.text(' ');
        else out.block(2);
      } else if (name === 'table:table-cell' || name === 'table:covered-table-cell') {
        cellDepth++;
        out.cell();
      } else if (name === 'table:table-row') out.block(1);
      else if (name === 'text:s') out.text(' ');
      else if (name === 'text:tab') out.cell();
      else if (name === 'text:line-break') out.lineBreak();
      else if (name === 'text:list-item') out.block(1);
    },
    onclosetag(name) {
      if (hiddenDepth > 0) return void hiddenDepth--;
      if (name === pageElement) pages.push({ page: pages.length + 1, text: tidyText(out.result()) });
      else if (PARAGRAPH.has(name)) {
        paragraphDepth--;
        if (cellDepth === 0) out.block(2);
      } else if (name === 'table:table-cell' || name === 'table:covered-table-cell') cellDepth--;
    },
    ontext(text) {
      if (hiddenDepth === 0 && paragraphDepth > 0) out.text(text);
    },
  });
  if (!pageElement) pages.push({ page: 1, text: tidyText(out.result()) });
  return pages;
}
