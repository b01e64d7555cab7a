import { readFileSync } from 'node:fs';
import { mkdtemp, copyFile, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir } from '../testing/paths';
import { synthesizeTokenizerJson, wordPieceTokenizerJson } from './tokenizer-json';

const fixture = (f: string) => readFileSync(join(tinyBertDir, f), 'utf-8');

describe('wordPieceTokenizerJson', () => {
  it('builds the same tokenizer.json transformers writes for BertTokenizer', () => {
    const built = wordPieceTokenizerJson(fixture('vocab.txt'), JSON.parse(fixture('tokenizer_config.json')), JSON.parse(fixture('special_tokens_map.json')));
    expect(JSON.parse(JSON.stringify(built))).toEqual(JSON.parse(fixture('tokenizer.json')));
  });

  it('tokenizes like the shipped tokenizer.json in @huggingface/tokenizers', () => {
    const config = JSON.parse(fixture('tokenizer_config.json'));
    const built = new Tokenizer(wordPieceTokenizerJson(fixture('vocab.txt'), config), config);
    const shipped = new Tokenizer(JSON.parse(fixture('tokenizer.json')), config);
    const text = 'Where did Ada Lovelace publish her Notes, in 1843? Naïve façade — 東京 unbelievably!';
    expect(built.encode(text).ids).toEqual(shipped.encode(text).ids);
    expect(built.encode(text).ids.length).toBeGreaterThan(10);
  });

  it('keeps case for a cased vocabulary and refuses a vocab without [UNK]', () => {
    const cased = wordPieceTokenizerJson('[PAD]\n[UNK]\n[CLS]\n[SEP]\nHello\n', { do_lower_case: false }) as { normalizer: { lowercase: boolean } };
    expect(cased.normalizer.lowercase).toBe(false);
    let err: unknown;
    try {
      wordPieceTokenizerJson('[PAD]\n[CLS]\n[SEP]\n');
    } catch (e) {
      err = e;
    }
    expect(isDeskError(err, 'TOKENIZER_INVALID')).toBe(true);
  });
});

describe('synthesizeTokenizerJson', () => {
  it('writes tokenizer.json only when it is missing and vocab.txt is there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tok-json-'));
    try {
      expect(await synthesizeTokenizerJson(dir)).toBe(false);
      await copyFile(join(tinyBertDir, 'vocab.txt'), join(dir, 'vocab.txt'));
      await copyFile(join(tinyBertDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
      expect(await synthesizeTokenizerJson(dir)).toBe(true);
      expect(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf-8'))).toEqual(JSON.parse(fixture('tokenizer.json')));
      expect(await synthesizeTokenizerJson(dir)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
