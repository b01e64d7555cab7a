/**
 * Test support: checks a tokenization's offsets against the original text with an
 * independent, whole-string normalisation (not the code under test), and a seeded
 * generator of tricky texts.
 */
import type { BertWordPieceTokenizer } from './tokenizer';

/** How the checker normalises a slice of original text; mirrors tokenizer.json's flags. */
export interface CheckSettings {
  lowercase: boolean;
  stripAccents: boolean;
}

const DROPPED = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\s\u0000\uFFFD]/gu;
const MARKS = /\p{Mn}/gu;
/** White space that splits words: clean_text drops VT, FF and U+FEFF instead. */
const SEPARATOR = /[^\S\u000b\u000c\ufeff]/;

/** Whole-string normalisation of a slice: drop controls and space, case-fold, strip accents. */
export function normalizeSlice(slice: string, settings: CheckSettings): string {
  let s = slice.replace(DROPPED, '');
  if (settings.lowercase) s = s.toLowerCase();
  if (settings.stripAccents) s = s.normalize('NFD').replace(MARKS, '');
  // Final sigma depends on context, which a slice lacks; compare both sigmas as one.
  return s.replace(/ς/g, 'σ');
}

/**
 * Every problem found with `tokenize(text)`'s offsets; [] when all hold:
 * spans inside the text, in order, non-overlapping; each token's slice normalises to the
 * token (a Hangul syllable's later jamo pieces have empty spans at its end and are checked
 * with the piece that holds the syllable); [UNK] covers a whole non-empty word; specials
 * cover their literal text; every char that normalises to something is inside some span.
 */
export function offsetProblems(tok: BertWordPieceTokenizer, text: string, settings: CheckSettings): string[] {
  const { ids, offsets } = tok.tokenize(text);
  const problems: string[] = [];
  if (ids.length !== offsets.length) return [`${ids.length} ids but ${offsets.length} offsets`];
  const lib = tok.library;
  const specials = lib.get_added_tokens_decoder();
  let lastEnd = 0;
  let lastStart = 0;
  for (let i = 0; i < ids.length; ) {
    const [start, end] = offsets[i];
    const show = `token ${i} ${lib.id_to_token(ids[i])} [${start},${end}) ${JSON.stringify(text.slice(start, end))}`;
    if (!(start >= 0 && start <= end && end <= text.length)) problems.push(`${show}: span outside the text`);
    if (start < lastEnd || start < lastStart) problems.push(`${show}: overlaps or precedes the previous token`);
    let j = i + 1;
    let pieces = strip(lib.id_to_token(ids[i]) ?? '');
    while (j < ids.length && offsets[j][0] === end && offsets[j][1] === end) pieces += strip(lib.id_to_token(ids[j++]) ?? '');
    const slice = text.slice(start, end);
    if (ids[i] === tok.unkId) {
      if (slice.length === 0 || SEPARATOR.test(slice)) problems.push(`${show}: [UNK] must cover one non-empty word`);
    } else if (specials.has(ids[i])) {
      if (slice !== specials.get(ids[i])?.content) problems.push(`${show}: special token span is not its text`);
    } else if (normalizeSlice(slice, settings) !== normalizeSlice(pieces, { lowercase: false, stripAccents: false })) {
      problems.push(`${show}: slice normalises to ${JSON.stringify(normalizeSlice(slice, settings))}, pieces spell ${JSON.stringify(pieces)}`);
    }
    lastStart = start;
    lastEnd = Math.max(lastEnd, end);
    i = j;
  }
  problems.push(...uncovered(text, offsets, settings));
  return problems;
}

function strip(token: string): string {
  return token.length > 2 && token.startsWith('##') ? token.slice(2) : token;
}

/** Chars that normalise to something but lie in no token span (leading combining marks excepted). */
function uncovered(text: string, offsets: Array<[number, number]>, settings: CheckSettings): string[] {
  const isCovered = new Uint8Array(text.length);
  for (const [s, e] of offsets) isCovered.fill(1, s, e);
  const problems: string[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = String.fromCodePoint(text.codePointAt(i) ?? 0);
    const width = cp.length;
    if (!isCovered[i] && normalizeSlice(cp, settings).length > 0 && !/\p{M}/u.test(cp)) {
      problems.push(`char ${i} ${JSON.stringify(cp)} is in no token span`);
    }
    i += width;
  }
  return problems;
}

/** mulberry32: a tiny seeded PRNG so property tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pieces tricky texts are built from: one per hazard the tokenizer must survive. */
export const TRICKY_PIECES: readonly string[] = [
  'The', 'quick', 'fox', 'unaffable', 'tokenization', '12.5%', '$1,234.56', 'e-mail', "l'hôtel",
  'Ångström', 'Łódź', 'Þór', 'café', 'naïve', 'São', 'ÉCOLE', 'Crème', 'Brûlée',
  '東京', '北京是中国的首都。', 'は', 'です', 'カタカナ', '서울은', '한국의', '수도입니다',
  'a'.repeat(101), 'ab'.repeat(50), 'é'.repeat(100),
  ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2028', '\u0085',
  '\u200b', '\u00ad', '\ufeff', 'e\u0301', '\u0301', 'ﬁ', 'ﬁne', 'ＦＵＬＬ', 'ｗｉｄｔｈ',
  '😀', '👍🏽', '\u{1F468}\u200d\u{1F469}', '\u0000', '\u0007', '\u007f', '\ud800', '\udfff',
  'İstanbul', 'ΟΔΟΣ', 'ΣΟΦΟΣ.', 'ς', 'Σ', '\u{20000}', '\u0378', '[SEP]', '[CLS]', '[cls]', '[UNK]',
  '«', '»', '(', ')', ',', '.', '?', '—', '…', '¿', '#', '##', '@', '~', '`', '\\',
];

/** A random text of `pieces` pieces drawn from TRICKY_PIECES, sometimes glued, sometimes spaced. */
export function trickyText(random: () => number, pieces: number): string {
  let text = '';
  for (let k = 0; k < pieces; k++) {
    text += TRICKY_PIECES[Math.floor(random() * TRICKY_PIECES.length)];
    if (random() < 0.5) text += ' ';
  }
  return text;
}
