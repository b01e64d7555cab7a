import { porterStem } from './porter-stemmer';
import { englishStopWords } from './stop-words';

/**
 * Word splitting and normalisation for retrieval: the same function makes index terms from passages
 * and query terms from questions, so both sides always agree. Words are runs of letters, numbers and
 * combining marks; CJK text (no spaces between words) becomes one term per character plus one per
 * adjacent pair. Each word is NFKC-normalised, accent-folded (Latin, Greek, Cyrillic only: in other
 * scripts marks are letters' vowels), case-folded, then stop-word filtered and stemmed per `options`.
 */

/** How words become terms. Changing the default changes every index: bump `analyzerVersion`. */
export interface AnalyzerOptions {
  /** English suffix stripping on a–z terms: Porter (1980), Harman's S-stemmer, or none. */
  stem: 'porter' | 's' | 'none';
  /** Drop English function words (stop-words.ts). */
  stopWords: boolean;
}

/** What won on SQuAD (see bench/retrieval-bench.ts). */
export const defaultAnalyzer: AnalyzerOptions = { stem: 'porter', stopWords: true };

/** Longer "words" (hashes, base64 runs) are noise for retrieval, and a term pair must fit an LMDB key (511 bytes). */
export const maxTermLength = 48;

/** Stored with the term index; an index built by another version is rebuilt, never mixed. */
export const analyzerVersion = 1;

/** A term and the char span [start, end) of the word it came from in the analysed text. */
export interface TermSpan {
  term: string;
  start: number;
  end: number;
}

const wordPattern = /[\p{L}\p{N}\p{M}]+/gu;
const asciiWord = /^[A-Za-z0-9]+$/;
const cjkRun = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]+|[^\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]+/gu;
const isCjk = /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]/u;
const foldableMarks = /([\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}])\p{M}+/gu;
const lettersAndNumbers = /[\p{L}\p{N}\p{M}]+/gu;
const lowerAscii = /^[a-z]+$/;

/** Terms of `text` with the char span of the word each came from, in text order. */
export function termSpans(text: string, options: AnalyzerOptions = defaultAnalyzer): TermSpan[] {
  const out: TermSpan[] = [];
  for (const m of text.matchAll(wordPattern)) {
    const word = m[0];
    const start = m.index;
    if (asciiWord.test(word)) {
      pushTerm(out, word.toLowerCase(), start, start + word.length, options);
      continue;
    }
    for (const run of word.matchAll(cjkRun)) {
      const runStart = start + run.index;
      if (isCjk.test(run[0])) pushCjk(out, run[0], runStart);
      else for (const term of foldWord(run[0])) pushTerm(out, term, runStart, runStart + run[0].length, options);
    }
  }
  return out;
}

/** Terms of `text`, in order, repeats kept (for term frequencies and query terms). */
export function analyze(text: string, options: AnalyzerOptions = defaultAnalyzer): string[] {
  return termSpans(text, options).map((s) => s.term);
}

/**
 * Adjacent-term pairs ("super bowl") of a term sequence, written "a b" (a term never holds a space).
 * Indexed beside single terms, they reward passages that keep the question's word order. CJK terms
 * are left out: their character pairs already are bigrams.
 */
export function pairTerms(terms: string[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < terms.length; i++) {
    if (!isCjk.test(terms[i]) && !isCjk.test(terms[i + 1])) pairs.push(`${terms[i]} ${terms[i + 1]}`);
  }
  return pairs;
}

/** Char ranges [start, end) of `text` whose terms occur in `query`, merged where they overlap; for highlighting. */
export function matchRanges(text: string, query: string, options: AnalyzerOptions = defaultAnalyzer): Array<[number, number]> {
  const wanted = new Set(analyze(query, options));
  const ranges: Array<[number, number]> = [];
  for (const s of termSpans(text, options)) {
    if (!wanted.has(s.term)) continue;
    const last = ranges[ranges.length - 1];
    if (last && s.start <= last[1]) last[1] = Math.max(last[1], s.end);
    else ranges.push([s.start, s.end]);
  }
  return ranges;
}

/** NFKC, accent folding, case folding; a word may split in two (e.g. "½" → "1", "2"). */
function foldWord(word: string): string[] {
  const folded = word
    .normalize('NFKC')
    .normalize('NFD')
    .replace(foldableMarks, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/ς/g, 'σ');
  return Array.from(folded.matchAll(lettersAndNumbers), (m) => m[0]);
}

function pushTerm(out: TermSpan[], term: string, start: number, end: number, options: AnalyzerOptions): void {
  if (term.length > maxTermLength || (options.stopWords && englishStopWords.has(term))) return;
  if (options.stem !== 'none' && lowerAscii.test(term)) term = options.stem === 'porter' ? porterStem(term) : sStem(term);
  out.push({ term, start, end });
}

/** One term per CJK character and one per adjacent pair: single characters find, pairs rank. */
function pushCjk(out: TermSpan[], run: string, runStart: number): void {
  const chars: TermSpan[] = [];
  let offset = runStart;
  for (const ch of run) {
    chars.push({ term: ch.normalize('NFKC'), start: offset, end: offset + ch.length });
    offset += ch.length;
  }
  chars.forEach((c, i) => {
    out.push(c);
    const next = chars[i + 1];
    if (next) out.push({ term: c.term + next.term, start: c.start, end: next.end });
  });
}

/** Harman's (1991) S-stemmer: plural endings only. */
export function sStem(w: string): string {
  if (w.length > 3 && w.endsWith('ies') && !w.endsWith('eies') && !w.endsWith('aies')) return w.slice(0, -3) + 'y';
  if (w.length > 2 && w.endsWith('es') && !w.endsWith('aes') && !w.endsWith('ees') && !w.endsWith('oes')) return w.slice(0, -1);
  if (w.length > 1 && w.endsWith('s') && !w.endsWith('us') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}
