import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { loadTokenizer, type BertWordPieceTokenizer } from './tokenizer';

interface Probe {
  name: string;
  text: string;
  text_pair: string;
  input_ids: number[];
}
interface GoldenTokenization {
  cases: Array<{
    name: string;
    question: string;
    passage: string;
    input_ids: number[];
    deformer: { question_segment: { input_ids: number[] }; passage_segment: { input_ids: number[] } };
  }>;
  batched: { questions: string[]; passages: string[]; input_ids: number[][]; rows: Array<{ valid_length: number }> };
  tokenizer_probes: Probe[];
}

const readGolden = async (dir: string): Promise<GoldenTokenization> => JSON.parse(await readFile(join(dir, 'golden.json'), 'utf8'));

/** [CLS] q [SEP] p [SEP] built from our own tokenize(), the way the brief defines the pair. */
function pairIds(tok: BertWordPieceTokenizer, question: string, passage: string): number[] {
  return [tok.clsId, ...tok.tokenize(question).ids, tok.sepId, ...tok.tokenize(passage).ids, tok.sepId];
}

/** Probes where the README says @huggingface/tokenizers 0.2.0 matches Python's slow tokenizer. */
const MATCHING_PROBES = [
  'empty_question',
  'line_and_paragraph_separators',
  'literal_special_tokens',
  'leading_combining_mark',
  'word_of_exactly_100_multibyte_chars',
];

describe.each([
  ['tiny-bert-qa', tinyBertDir],
  ['tiny-distilbert-qa', tinyDistilBertDir],
])('tokenizer on %s', (_name, dir) => {
  let tok: BertWordPieceTokenizer;
  let golden: GoldenTokenization;
  beforeAll(async () => {
    [tok, golden] = await Promise.all([loadTokenizer(dir), readGolden(dir)]);
  });

  it('reads the special ids from the files', async () => {
    const vocab = (await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n');
    expect([tok.clsId, tok.sepId, tok.padId, tok.unkId]).toEqual(
      ['[CLS]', '[SEP]', '[PAD]', '[UNK]'].map((t) => vocab.indexOf(t)),
    );
  });

  it('gives exactly the golden input_ids for every case', () => {
    expect(golden.cases).toHaveLength(7);
    for (const c of golden.cases) expect(pairIds(tok, c.question, c.passage), c.name).toEqual(c.input_ids);
  });

  it('gives the golden DeFormer segments through questionSegment / passageSegment', () => {
    for (const c of golden.cases) {
      const question = tok.questionSegment(c.question, 512);
      const passage = tok.tokenize(c.passage);
      const segment = tok.passageSegment(passage.ids, passage.offsets);
      expect(Array.from(question.ids), c.name).toEqual(c.deformer.question_segment.input_ids);
      expect(Array.from(segment.ids), c.name).toEqual(c.deformer.passage_segment.input_ids);
    }
  });

  it('gives the golden ids for the batched rows', () => {
    golden.batched.rows.forEach((row, i) => {
      const want = golden.batched.input_ids[i].slice(0, row.valid_length);
      expect(pairIds(tok, golden.batched.questions[i], golden.batched.passages[i])).toEqual(want);
    });
  });

  it('matches Python on the probes where the JS package does', () => {
    for (const name of MATCHING_PROBES) {
      const probe = golden.tokenizer_probes.find((p) => p.name === name) as Probe;
      expect(pairIds(tok, probe.text, probe.text_pair), name).toEqual(probe.input_ids);
    }
  });

  it('follows the JS package where it differs from Python, except for the empty passage', () => {
    const probe = (name: string) => golden.tokenizer_probes.find((p) => p.name === name) as Probe;
    const lib = tok.library;
    for (const name of ['astral_cjk_ideographs', 'unassigned_codepoint_Cn', 'turkish_dotted_I_and_final_sigma']) {
      const p = probe(name);
      const ours = pairIds(tok, p.text, p.text_pair);
      expect(ours, name).toEqual(lib.encode(p.text, { text_pair: p.text_pair }).ids);
      expect(ours, name).not.toEqual(p.input_ids);
    }
    // Astral ideographs are not split out: "a\u{20000}b" is one word, one [UNK] (Python: a [UNK] b).
    expect(Array.from(tok.tokenize('a\u{20000}b').ids)).toEqual([tok.unkId]);
    // An unassigned code point is kept, so its word is [UNK] (Python drops it: x ##y).
    expect(Array.from(tok.tokenize('x\u0378y').ids)).toEqual([tok.unkId]);
    // toLowerCase's final sigma: ΟΔΟΣ → ο ##δ ##ος (Python: ... ##ο ##σ).
    expect(tok.tokenize('ΟΔΟΣ').ids.length).toBe(3);
    // The empty passage: we build the pair ourselves, so it is Python's [CLS] q [SEP] [SEP].
    const empty = probe('empty_passage');
    expect(pairIds(tok, empty.text, empty.text_pair)).toEqual(empty.input_ids);
    expect(lib.encode(empty.text, { text_pair: empty.text_pair }).ids).not.toEqual(empty.input_ids);
  });

  it('agrees with the library on every golden text, token for token', () => {
    const texts = golden.cases.flatMap((c) => [c.question, c.passage]);
    for (const p of golden.tokenizer_probes) texts.push(p.text, p.text_pair);
    for (const text of texts) {
      expect(Array.from(tok.tokenize(text).ids), text).toEqual(tok.library.encode(text, { add_special_tokens: false }).ids);
    }
  });
});

describe('segments', () => {
  let tok: BertWordPieceTokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer(tinyBertDir);
  });

  it('questionSegment truncates the question to fit maxTokens, specials at [-1,-1]', () => {
    const question = 'what is the name of the longest river that flows through the middle of the city ?';
    const full = tok.tokenize(question);
    expect(full.ids.length).toBeGreaterThan(10);
    const segment = tok.questionSegment(question, 10);
    expect(segment.ids.length).toBe(10);
    expect(Array.from(segment.ids)).toEqual([tok.clsId, ...full.ids.slice(0, 8), tok.sepId]);
    expect(segment.offsets).toEqual([[-1, -1], ...full.offsets.slice(0, 8), [-1, -1]]);
    expect(tok.questionSegment(question).ids.length).toBe(Math.min(64, full.ids.length + 2));
    expect(Array.from(tok.questionSegment('', 64).ids)).toEqual([tok.clsId, tok.sepId]);
    expect(Array.from(tok.questionSegment(question, 2).ids)).toEqual([tok.clsId, tok.sepId]);
    expect(() => tok.questionSegment(question, 1)).toThrow(RangeError);
  });

  it('passageSegment appends [SEP] to a window of tokens and copies its offsets', () => {
    const passage = 'Paris is the capital and most populous city of France.';
    const { ids, offsets } = tok.tokenize(passage);
    const window = { ids: ids.subarray(2, 6), offsets: offsets.slice(2, 6) };
    const segment = tok.passageSegment(window.ids, window.offsets);
    expect(Array.from(segment.ids)).toEqual([...window.ids, tok.sepId]);
    expect(segment.offsets).toEqual([...window.offsets, [-1, -1]]);
    segment.offsets[0][0] = 999;
    expect(window.offsets[0][0]).not.toBe(999);
    expect(Array.from(tok.passageSegment([], []).ids)).toEqual([tok.sepId]);
    expect(() => tok.passageSegment(window.ids, offsets)).toThrow(RangeError);
  });
});

describe('loading', () => {
  let tmp: string;
  let json: Record<string, unknown>;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tokenizer-test-'));
    json = JSON.parse(await readFile(join(tinyBertDir, 'tokenizer.json'), 'utf8'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  const folder = async (name: string, files: Record<string, string>): Promise<string> => {
    const dir = await mkdtemp(join(tmp, `${name}-`));
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    return dir;
  };
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (err: unknown) => (isDeskError(err) ? err.code : String(err)),
    );

  it('fails with CHECKPOINT_MISSING_FILE without tokenizer.json or vocab.txt', async () => {
    expect(await codeOf(loadTokenizer(await folder('empty', {})))).toBe('CHECKPOINT_MISSING_FILE');
  });

  it('fails with TOKENIZER_INVALID on broken or unsupported tokenizer.json', async () => {
    const cases: Record<string, string> = {
      'not JSON': '{"model": ',
      'an array': '[]',
      'no pre_tokenizer key': JSON.stringify({ ...json, pre_tokenizer: undefined }),
      'a Whitespace pre-tokenizer': JSON.stringify({ ...json, pre_tokenizer: { type: 'Whitespace' } }),
      'an NFKC normalizer': JSON.stringify({ ...json, normalizer: { type: 'NFKC' } }),
      'a model the library rejects': JSON.stringify({ ...json, model: { type: 'Nope' } }),
    };
    for (const [why, text] of Object.entries(cases)) {
      expect(await codeOf(loadTokenizer(await folder('bad', { 'tokenizer.json': text }))), why).toBe('TOKENIZER_INVALID');
    }
    const noCls = await folder('nocls', { 'tokenizer.json': JSON.stringify(json), 'tokenizer_config.json': '{"cls_token": "<s>"}' });
    // The template names [CLS], which exists, so tokenizer_config's unknown <s> is not used.
    expect(await codeOf(loadTokenizer(noCls))).toBe('resolved');
    const noPad = await folder('nopad', { 'tokenizer.json': JSON.stringify(json), 'tokenizer_config.json': '{"pad_token": "<pad>"}' });
    expect(await codeOf(loadTokenizer(noPad))).toBe('TOKENIZER_INVALID');
  });

  it('builds the same tokenizer from vocab.txt + tokenizer_config.json alone', async () => {
    const dir = await mkdtemp(join(tmp, 'vocab-only-'));
    await copyFile(join(tinyBertDir, 'vocab.txt'), join(dir, 'vocab.txt'));
    await copyFile(join(tinyBertDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    const [fromVocab, fromJson, golden] = await Promise.all([loadTokenizer(dir), loadTokenizer(tinyBertDir), readGolden(tinyBertDir)]);
    expect([fromVocab.clsId, fromVocab.sepId, fromVocab.padId, fromVocab.unkId]).toEqual([fromJson.clsId, fromJson.sepId, fromJson.padId, fromJson.unkId]);
    for (const c of golden.cases) expect(pairIds(fromVocab, c.question, c.passage), c.name).toEqual(c.input_ids);
  });
});
