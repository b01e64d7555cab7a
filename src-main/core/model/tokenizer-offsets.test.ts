import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir } from '../testing/paths';
import { loadTokenizer, type BertWordPieceTokenizer } from './tokenizer';
import { offsetProblems, seededRandom, trickyText, type CheckSettings } from './tokenizer-invariants';

const UNCASED: CheckSettings = { lowercase: true, stripAccents: true };

/** Token strings with the original text each covers, for readable expectations. */
function spans(tok: BertWordPieceTokenizer, text: string): Array<[string, string]> {
  const { ids, offsets } = tok.tokenize(text);
  return Array.from(ids, (id, i) => [tok.library.id_to_token(id) ?? '?', text.slice(...offsets[i])]);
}

function expectLibraryIds(tok: BertWordPieceTokenizer, text: string): void {
  expect(Array.from(tok.tokenize(text).ids), JSON.stringify(text)).toEqual(tok.library.encode(text, { add_special_tokens: false }).ids);
}

const TRICKY: Record<string, string> = {
  accents: 'Ångström Łódź Þór café, naïve São Paulo, ÉCOLE crème brûlée',
  cjkWithLatin: 'Tokyo東京is北京的capital? 日本語とEnglish混在',
  kana: 'ひらがなとカタカナです。ｶﾀｶﾅ',
  hangul: '서울은 한국의 수도입니다.',
  unknownWord: `short ${'x'.repeat(101)} tail`,
  exactly100: `${'ab'.repeat(50)} end`,
  whitespace: 'a  b\t\tc\n\nd\r\ne \r\n\r\n f\u00a0g\u3000h\u2028i',
  zeroWidth: 'zero\u200bwidth soft\u00adhyphen \ufeffbom',
  combining: 'cafe\u0301 e\u0301\u0301 \u0301lead n\u0303o',
  ligatureAndWidth: 'ﬁne ﬂow ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ',
  emoji: 'emoji 😀👍🏽 family 👨\u200d👩\u200d👧 flag 🇫🇷!',
  controls: 'null\u0000byte bell\u0007 del\u007f \ud800lone \udfffsurrogate',
  turkish: 'İstanbul İİ iİi',
  sigma: 'ΟΔΟΣ. ΣΟΦΟΣ ςσΣ Σ',
  astral: 'a\u{20000}b \u{2A6D6}野家 x\u0378y',
  specials: '[CLS] a [SEP] b [MASK] [cls] [PAD][UNK]',
  punctuation: '¿Qué? «quoted» — em…dash (1,234.56%) $5 @user #tag ~`^|\\',
};

describe('offsets', () => {
  let tok: BertWordPieceTokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer(tinyBertDir);
  });

  it.each(Object.entries(TRICKY))('hold every invariant on %s', (_name, text) => {
    expectLibraryIds(tok, text);
    expect(offsetProblems(tok, text, UNCASED)).toEqual([]);
  });

  it('map accented and special letters back to the original characters', () => {
    expect(spans(tok, 'Ångström Łódź Þór café')).toEqual([
      ['ang', 'Ång'], ['##strom', 'ström'], ['łodz', 'Łódź'], ['þ', 'Þ'], ['##or', 'ór'], ['cafe', 'café'],
    ]);
    expect(spans(tok, 'İstanbul ﬁne')).toEqual([['istanbul', 'İstanbul'], ['ﬁ', 'ﬁ'], ['##ne', 'ne']]);
    // A combining mark the normaliser drops stays with its letter.
    expect(spans(tok, 'cafe\u0301!')).toEqual([['cafe', 'cafe\u0301'], ['!', '!']]);
  });

  it('give [UNK] the whole word, surrogate pairs included', () => {
    const word = 'q'.repeat(101);
    const text = `a ${word} 😀 b`;
    const { ids, offsets } = tok.tokenize(text);
    expect(Array.from(ids)).toEqual([tok.library.token_to_id('a'), tok.unkId, tok.unkId, tok.library.token_to_id('b')]);
    expect(offsets).toEqual([[0, 1], [2, 103], [104, 106], [107, 108]]);
  });

  it('give a Hangul syllable to its first jamo piece and empty spans to the rest', () => {
    const text = '서울';
    const { ids, offsets } = tok.tokenize(text);
    expect(ids.length).toBe(5); // ᄉ ##ᅥ ##ᄋ ##ᅮ ##ᆯ
    expect(offsets).toEqual([[0, 1], [1, 1], [1, 2], [2, 2], [2, 2]]);
  });

  it('skip white space, CRLF and dropped controls between tokens', () => {
    const text = ' \r\nab\u0000\r\n\t cd\u200b ';
    expect(tok.tokenize(text).offsets).toEqual([[3, 6], [10, 13]]);
    expect(Array.from(tok.tokenize(' \t\r\n\u00a0\u3000\u200b ').ids)).toEqual([]);
  });

  it('hold on random texts built from the tricky pieces (seeded)', () => {
    const random = seededRandom(20240601);
    for (let n = 0; n < 400; n++) {
      const text = trickyText(random, 1 + Math.floor(random() * 30));
      expectLibraryIds(tok, text);
      const problems = offsetProblems(tok, text, UNCASED);
      expect(problems, JSON.stringify(text)).toEqual([]);
    }
  });
});

describe('normaliser settings other than uncased BERT', () => {
  let tmp: string;
  let json: Record<string, unknown> & { normalizer: Record<string, unknown> };
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tokenizer-variants-'));
    json = JSON.parse(await readFile(join(tinyBertDir, 'tokenizer.json'), 'utf8'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  const variant = async (normalizer: Record<string, unknown> | null): Promise<BertWordPieceTokenizer> => {
    const dir = await mkdtemp(join(tmp, 'v-'));
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, normalizer }));
    return loadTokenizer(dir);
  };
  const bert = (overrides: Record<string, unknown>) => ({ ...json.normalizer, ...overrides });

  // [normaliser, offset-check settings or null when only ids are compared]
  const variants: Array<[string, () => Record<string, unknown> | null, CheckSettings | null]> = [
    ['cased (lowercase false, strip_accents null)', () => bert({ lowercase: false }), { lowercase: false, stripAccents: false }],
    ['cased, strip_accents true', () => bert({ lowercase: false, strip_accents: true }), { lowercase: false, stripAccents: true }],
    ['lowercase, strip_accents false', () => bert({ strip_accents: false }), { lowercase: true, stripAccents: false }],
    ['handle_chinese_chars false', () => bert({ handle_chinese_chars: false }), UNCASED],
    ['clean_text false', () => bert({ clean_text: false }), null],
    ['no normalizer', () => null, null],
  ];

  it.each(variants)('%s: ids are the library\'s, offsets hold', async (_name, normalizer, check) => {
    const tok = await variant(normalizer());
    const random = seededRandom(7);
    const texts = [...Object.values(TRICKY), ...Array.from({ length: 120 }, () => trickyText(random, 1 + Math.floor(random() * 25)))];
    for (const text of texts) {
      expectLibraryIds(tok, text);
      if (check) expect(offsetProblems(tok, text, check), JSON.stringify(text)).toEqual([]);
    }
  });

  it('cased vocabularies keep case in the pieces and the spans', async () => {
    const tok = await variant(bert({ lowercase: false }));
    const pieces = spans(tok, 'Paris café');
    expect(pieces.map(([, text]) => text).join('')).toBe('Pariscafé');
    expect(pieces.map(([token]) => token.replace(/^##/, '')).join('')).not.toBe('pariscafe');
  });
});
