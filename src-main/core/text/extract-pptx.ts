import { DeskError } from '../errors';
import { type ArchiveLimits, withArchive } from './archive';
import { TextWriter } from './html-to-text';
import { joinPages } from './paged-text';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';
import { readRelationships, walkXml } from './xml-parts';

const POWERPOINT = { kind: 'PowerPoint presentation', ext: '.pptx' };

/**
 * PowerPoint (.pptx): each slide's text, then its speaker notes; page = slide number, in the
 * order of the presentation's slide list (not the part names, which drift as slides move).
 * No npm parser reads notes in slide order and is kept up; the parts are small DrawingML XML.
 */
export async function extractPptx(bytes: Uint8Array, limits: ArchiveLimits): Promise<ExtractedText> {
  return withArchive(bytes, POWERPOINT, limits, async (archive) => {
    const presentation = await archive.readText('ppt/presentation.xml');
    if (presentation === undefined) throw new DeskError('EXTRACT_FAILED', 'corrupt PowerPoint presentation: it has no ppt/presentation.xml');
    const rels = readRelationships(await archive.readText('ppt/_rels/presentation.xml.rels'), 'ppt/presentation.xml');
    const slideIds: string[] = [];
    walkXml(presentation, {
      onopentag(name, attrs) {
        if (name === 'p:sldId' && attrs['r:id']) slideIds.push(attrs['r:id']);
      },
    });
    const pages: Array<{ page: number; text: string }> = [];
    const warnings: string[] = [];
    for (const [i, id] of slideIds.entries()) {
      const slidePart = rels.get(id)?.target;
      const slide = slidePart ? await archive.readText(slidePart) : undefined;
      if (!slidePart || slide === undefined) {
        warnings.push(`slide ${i + 1}: its part is missing`);
        pages.push({ page: i + 1, text: '' });
        continue;
      }
      const slideRels = readRelationships(await archive.readText(slidePart.replace(/([^/]+)$/, '_rels/$1.rels')), slidePart);
      const notesPart = [...slideRels.values()].find((r) => r.type.endsWith('/notesSlide'))?.target;
      const notes = notesPart ? await archive.readText(notesPart) : undefined;
      const text = [drawingText(slide), notes ? drawingText(notes) : ''].filter((t) => t !== '').join('\n\n');
      pages.push({ page: i + 1, text });
    }
    return { ...joinPages(pages), warnings };
  });
}

/**
 * Text of a DrawingML part: `a:p` paragraphs of `a:t` runs, `a:br` line breaks. Fields
 * (`a:fld`: slide numbers, dates) are left out: on notes pages they are only the slide number.
 */
function drawingText(xml: string): string {
  const out = new TextWriter();
  let inRun = false;
  let fieldDepth = 0;
  walkXml(xml, {
    onopentag(name) {
      if (name === 'a:fld') fieldDepth++;
      else if (name === 'a:t') inRun = true;
      else if (name === 'a:br') out.lineBreak();
      else if (name === 'a:p') out.block(2);
      else if (name === 'a:tc') out.cell();
    },
    onclosetag(name) {
      if (name === 'a:fld') fieldDepth--;
      else if (name === 'a:t') inRun = false;
      else if (name === 'a:p') out.block(2);
    },
    ontext(text) {
      if (inRun && fieldDepth === 0) out.text(text);
    },
  });
  return tidyText(out.result());
}
