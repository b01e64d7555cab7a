import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir } from '../testing/paths';
import { loadTokenizer } from './tokenizer';
import { OffsetEncoder } from './tokenizer-encode';
import { readTokenizerFiles } from './tokenizer-files';
import { offsetProblems } from './tokenizer-invariants';
import { BertNormalization } from './tokenizer-normalize';
import { buildPipeline } from './tokenizer-pipeline';

const UNCASED_SETTINGS = { cleanText: true, handleChineseChars: true, lowercase: true, stripAccents: true };

describe('fallbacks when our alignment and the library disagree', () => {
  // The real library never disagrees with us on these fixtures, so these tests put a
  // deliberately different step in its place to reach the fallback branches.
  it('gives every token of a chunk the chunk span when the library normalises it to another length', async () => {
    const { lib, pipeline } = buildPipeline(await readTokenizerFiles(tinyBertDir));
    const libNormalize = (s: string) => (lib.normalizer ? lib.normalizer(s) : s).replace(/ß/g, 'ss');
    const encoder = new OffsetEncoder({ ...pipeline, normalization: new BertNormalization(UNCASED_SETTINGS, libNormalize) });
    const text = 'Straße und ß x';
    const { ids, offsets } = encoder.encode(text);
    const want = lib.encode('strasse und ss x', { add_special_tokens: false });
    expect(Array.from(ids)).toEqual(want.ids);
    const strasse = lib.encode('strasse', { add_special_tokens: false }).ids.length;
    const ss = lib.encode('ss', { add_special_tokens: false }).ids.length;
    expect(offsets).toEqual([
      ...Array(strasse).fill([0, 6]),
      [7, 10],
      ...Array(ss).fill([11, 12]),
      [13, 14],
    ]);
  });

  it('gives every piece the whole word when the pieces do not spell the word', async () => {
    const { lib, pipeline } = buildPipeline(await readTokenizerFiles(tinyBertDir));
    const wordPieces = (words: string[]) => (words[0] === 'hello' ? ['he', '##xx'] : pipeline.wordPieces(words));
    const encoder = new OffsetEncoder({ ...pipeline, wordPieces });
    const { ids, offsets } = encoder.encode('Say hello!');
    expect(Array.from(ids)).toEqual(['say', 'he', '##xx', '!'].map((t) => lib.token_to_id(t)));
    expect(offsets).toEqual([[0, 3], [4, 9], [4, 9], [9, 10]]);
  });
});

describe('tokenizer.json features BERT checkpoints rarely use', () => {
  let tmp: string;
  let json: { added_tokens: Array<Record<string, unknown>>; model: Record<string, unknown> } & Record<string, unknown>;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tokenizer-encode-'));
    json = JSON.parse(await readFile(join(tinyBertDir, 'tokenizer.json'), 'utf8'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  const load = async (changed: Record<string, unknown>) => {
    const dir = await mkdtemp(join(tmp, 'v-'));
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, ...changed }));
    return loadTokenizer(dir);
  };

  it('fuses consecutive [UNK] words like the library when the model says fuse_unk', async () => {
    const tok = await load({ model: { ...json.model, fuse_unk: true } });
    const text = 'a 😀 😀\u00a0😀 b 😀';
    const { ids, offsets } = tok.tokenize(text);
    expect(Array.from(ids)).toEqual(tok.library.encode(text, { add_special_tokens: false }).ids);
    expect(offsets).toEqual([[0, 1], [2, 10], [11, 12], [13, 15]]);
  });

  it('splits normalised added tokens and trims around lstrip/rstrip ones like the library', async () => {
    const added = json.added_tokens.map((t) => (t.content === '[SEP]' ? { ...t, lstrip: true, rstrip: true } : t));
    added.push({ id: 30522, content: '<Mark>', single_word: false, lstrip: false, rstrip: true, normalized: true, special: false });
    const tok = await load({ added_tokens: added });
    const texts = ['x  [SEP]  y', 'a <MARK> b<mark>c <Mark>', 'Über<MÄRK>[SEP]<mark>[SEP] end', '[SEP]', ' <mark> '];
    for (const text of texts) {
      expect(Array.from(tok.tokenize(text).ids), text).toEqual(tok.library.encode(text, { add_special_tokens: false }).ids);
    }
    const text = 'a <MARK> b';
    const { ids, offsets } = tok.tokenize(text);
    expect(ids[1]).toBe(30522);
    expect(text.slice(...offsets[1])).toBe('<MARK>');
    expect(offsetProblems(tok, 'x  [SEP]  y', { lowercase: true, stripAccents: true })).toEqual([]);
  });
});
