import { TextDecoder } from 'node:util';
import { DeskError } from '../errors';
import { tidyText } from './tidy-text';
import type { ExtractedText } from './types';

/**
 * Destinations whose text is not the document's body: tables of fonts, colours and styles,
 * metadata, pictures and embedded objects, field instructions (their results are kept), headers.
 */
const SKIPPED = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'fldinst', 'listtable', 'listoverridetable',
  'revtbl', 'rsidtbl', 'generator', 'xmlnstbl', 'themedata', 'colorschememapping', 'datastore', 'latentstyles',
  'filetbl', 'header', 'headerl', 'headerr', 'headerf', 'footer', 'footerl', 'footerr', 'footerf', 'bkmkstart',
  'bkmkend', 'nonshppict', 'shppict', 'pgdsctbl', 'mmathPr', 'wgrffmtfilter', 'operator', 'author', 'title',
]);
const BREAKS: Record<string, string> = { par: '\n\n', sect: '\n\n', page: '\n\n', line: '\n', row: '\n', tab: '\t', cell: '\t' };
const SYMBOLS: Record<string, string> = {
  emdash: '—', endash: '–', bullet: '•', lquote: '‘', rquote: '’', ldblquote: '“', rdblquote: '”', emspace: ' ', enspace: ' ',
};

/** Per-group state: RTF scopes `\ucN` and whether the group is skipped to `{ … }`. */
interface Group {
  isSkipped: boolean;
  unicodeSkip: number;
}

/**
 * Rich Text Format, read directly: the npm RTF parsers are unmaintained (last releases years
 * ago) and build whole document models, while text needs only groups, control words, `\'hh`
 * bytes in the document's code page and `\uN` characters. Skips the destinations in SKIPPED and
 * every `{\* …}` destination a reader does not know.
 */
export function extractRtf(bytes: Uint8Array): ExtractedText {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!/^\s*\{\\rtf/.test(source)) throw new DeskError('EXTRACT_FAILED', 'corrupt RTF document: it does not start with {\\rtf');
  let decoder = codePageDecoder(1252);
  let out = '';
  let pendingBytes: number[] = [];
  const flushBytes = () => {
    if (pendingBytes.length > 0) out += decoder.decode(new Uint8Array(pendingBytes));
    pendingBytes = [];
  };
  const emit = (text: string) => {
    flushBytes();
    out += text;
  };
  const stack: Group[] = [];
  let group: Group = { isSkipped: false, unicodeSkip: 1 };
  let skipChars = 0; // fallback characters still to drop after a \uN
  const warnings: string[] = [];
  for (let i = 0; i < source.length; ) {
    const ch = source[i];
    if (ch === '{') {
      stack.push(group);
      group = { ...group };
      skipChars = 0;
      i++;
      // `{\*\dest …}`: an optional destination this reader does not know; skip it whole.
      if (source.startsWith('\\*', i)) group.isSkipped = true;
    } else if (ch === '}') {
      group = stack.pop() ?? group;
      skipChars = 0;
      i++;
    } else if (ch === '\\') {
      const word = /^\\([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(source.slice(i, i + 48));
      if (!word) {
        const next = source[i + 1] ?? '';
        i += 2;
        if (next === "'") {
          const byte = Number.parseInt(source.slice(i, i + 2), 16);
          i += 2;
          if (group.isSkipped || Number.isNaN(byte)) continue;
          if (skipChars > 0) skipChars--;
          else pendingBytes.push(byte);
        } else if (!group.isSkipped) {
          if (next === '\\' || next === '{' || next === '}') emit(next);
          else if (next === '~') emit('\u00a0');
          else if (next === '_') emit('\u2011');
          else if (next === '\n' || next === '\r') emit('\n\n'); // a backslash before a newline is \par
        }
        continue;
      }
      i += word[0].length;
      const [, name, param] = word;
      const value = param === undefined ? undefined : Number(param);
      if (name === 'bin' && value !== undefined) {
        i += Math.max(0, value); // raw binary data, never text
        continue;
      }
      if (SKIPPED.has(name)) group.isSkipped = true;
      if (group.isSkipped) continue;
      if (name === 'ansicpg' && value !== undefined) decoder = codePageDecoder(value, warnings);
      else if (name === 'uc' && value !== undefined) group.unicodeSkip = value;
      else if (name === 'u' && value !== undefined) {
        emit(String.fromCharCode(value < 0 ? value + 65536 : value));
        skipChars = group.unicodeSkip;
      } else if (BREAKS[name]) emit(BREAKS[name]);
      else if (SYMBOLS[name]) emit(SYMBOLS[name]);
    } else {
      i++;
      if (group.isSkipped || ch === '\r' || ch === '\n') continue;
      if (skipChars > 0) {
        skipChars--;
        continue;
      }
      if (ch.charCodeAt(0) >= 0x80) pendingBytes.push(ch.charCodeAt(0));
      else emit(ch);
    }
  }
  flushBytes();
  if (stack.length > 0) warnings.push('the RTF document ends early (unclosed groups): it may be truncated');
  return { text: tidyText(out.replace(/[ \t]+\n/g, '\n')), warnings };
}

/** A decoder for a Windows code page number (`\ansicpg1251`); unknown ones fall back to 1252 with a warning. */
function codePageDecoder(codePage: number, warnings?: string[]): TextDecoder {
  const label = codePage === 65001 ? 'utf-8' : codePage === 932 ? 'shift_jis' : codePage === 936 ? 'gbk' : codePage === 949 ? 'euc-kr' : codePage === 950 ? 'big5' : `windows-${codePage}`;
  try {
    return new TextDecoder(label);
  } catch {
    warnings?.push(`unknown code page ${codePage}: read as Windows-1252`);
    return new TextDecoder('windows-1252');
  }
}
