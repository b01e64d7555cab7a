/**
 * BertPreTokenizer without regex matches: the library splits with
 * `[^\s P]+|[P]` (P = \p{P} plus ASCII symbols); we classify UTF-16 units once with that
 * very pattern's classes and scan, which avoids a match array and substring per word.
 */

// Verbatim from the library's PUNCTUATION_REGEX.
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const IS_PUNCTUATION = new RegExp(`^[${PUNCTUATION}]$`, 'u');
const IS_SPACE = /^\s$/u;

const WORD = 0;
const SPACE = 1;
const PUNCT = 2;
const HIGH = 3; // a high surrogate: the class depends on the code point it starts

let unitClasses: Uint8Array | undefined;

function classes(): Uint8Array {
  if (unitClasses) return unitClasses;
  unitClasses = new Uint8Array(0x10000);
  for (let cu = 0; cu < 0x10000; cu++) {
    const ch = String.fromCharCode(cu);
    if (cu >= 0xd800 && cu <= 0xdbff) unitClasses[cu] = HIGH;
    else if (IS_SPACE.test(ch)) unitClasses[cu] = SPACE;
    else if (IS_PUNCTUATION.test(ch)) unitClasses[cu] = PUNCT;
  }
  return unitClasses;
}

/** WORD, SPACE or PUNCT for the code point at i, and its width in units (2 for a surrogate pair). */
function classAt(table: Uint8Array, text: string, i: number, to: number): number {
  const cls = table[text.charCodeAt(i)];
  if (cls !== HIGH) return cls;
  const low = i + 1 < to ? text.charCodeAt(i + 1) : 0;
  if (low < 0xdc00 || low > 0xdfff) return WORD; // a lone surrogate is a word character
  return IS_PUNCTUATION.test(text.slice(i, i + 2)) ? PUNCT | 8 : WORD | 8;
}

/** Calls `visit(start, end)` for each BertPreTokenizer word of text[from, to), in order. */
export function forEachWord(text: string, from: number, to: number, visit: (start: number, end: number) => void): void {
  const table = classes();
  let i = from;
  while (i < to) {
    const first = classAt(table, text, i, to);
    const width = first & 8 ? 2 : 1;
    const cls = first & 7;
    if (cls === SPACE) {
      i += width;
      continue;
    }
    if (cls === PUNCT) {
      visit(i, i + width);
      i += width;
      continue;
    }
    let j = i + width;
    while (j < to) {
      const next = classAt(table, text, j, to);
      if ((next & 7) !== WORD) break;
      j += next & 8 ? 2 : 1;
    }
    visit(i, j);
    i = j;
  }
}
