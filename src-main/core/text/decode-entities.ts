import { Parser } from 'htmlparser2';

/**
 * Decodes HTML character references (`&amp;`, `&copy;`, `&#233;`) in plain text.
 * htmlparser2 does the decoding; escaping `<` first means nothing is ever read as a tag.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  let out = '';
  const parser = new Parser({ ontext: (chunk) => (out += chunk) });
  parser.end(text.replace(/</g, '&lt;'));
  return out;
}
