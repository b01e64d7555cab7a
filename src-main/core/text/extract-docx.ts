import { DeskError } from '../errors';
import { type ArchiveLimits, withArchive } from './archive';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';
import { makeZip } from './zip-writer';

const WORD = { kind: 'Word document', ext: '.docx' };

/**
 * Word (.docx) text through mammoth's raw-text mode: paragraphs separated by blank lines.
 * mammoth inflates with jszip, which has no limits, so it never sees the original file: the text
 * parts (XML and relationships; no media, which raw text never reads) are read through
 * archive.ts under its limits and re-packed uncompressed for mammoth. The extra copy is of the
 * XML only, and bounded by the same limits.
 */
export async function extractDocx(bytes: Uint8Array, limits: ArchiveLimits): Promise<ExtractedText> {
  const repacked = await withArchive(bytes, WORD, limits, async (archive) => {
    const entries = [];
    for (const name of archive.names()) {
      if (!/\.(xml|rels)$/i.test(name)) continue;
      entries.push({ name, data: (await archive.read(name)) as Buffer });
    }
    return makeZip(entries);
  });
  const mammoth = (await import('mammoth')).default;
  let result: Awaited<ReturnType<typeof mammoth.extractRawText>>;
  try {
    result = await mammoth.extractRawText({ buffer: repacked });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DeskError('EXTRACT_FAILED', `corrupt Word document: ${message.replace(/\.$/, '')}`, { reason: message });
  }
  const warnings = result.messages.filter((m) => m.type === 'warning').map((m) => m.message);
  return { text: tidyText(result.value.replace(/\r\n?/g, '\n')), warnings };
}
