import { DeskError } from '../errors';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';

/** Word (.docx) text through mammoth's raw-text mode: paragraphs separated by blank lines. */
export async function extractDocx(bytes: Uint8Array): Promise<ExtractedText> {
  const mammoth = (await import('mammoth')).default;
  let result: Awaited<ReturnType<typeof mammoth.extractRawText>>;
  try {
    result = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // jszip's wording ("Can't find end of central directory : is this a zip file ? ... see https://...") helps nobody.
    const reason = /central directory|zip/i.test(message)
      ? 'not a valid zip archive (the file is damaged or is not really a .docx)'
      : message.replace(/\.$/, '');
    throw new DeskError('EXTRACT_FAILED', `corrupt Word document: ${reason}`, { reason: message });
  }
  const warnings = result.messages.filter((m) => m.type === 'warning').map((m) => m.message);
  return { text: tidyText(result.value.replace(/\r\n?/g, '\n')), warnings };
}
