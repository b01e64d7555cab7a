import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeskError } from '../errors';

/**
 * tokenizer.json for a BERT WordPiece checkpoint that ships only vocab.txt (older hub repos such as
 * csarron/bert-base-uncased-squad-v1 and deepset/minilm-uncased-squad2). The structure is what
 * transformers' BertConverter builds from BertTokenizer: BertNormalizer (lowercase = do_lower_case),
 * BertPreTokenizer, WordPiece with '##' and 100 chars per word, [CLS] $A [SEP] ($B [SEP]) templates.
 */

type Json = Record<string, unknown>;

const bertTokenizerClasses = new Set(['BertTokenizer', 'BertTokenizerFast', 'DistilBertTokenizer', 'DistilBertTokenizerFast']);

/** Builds the tokenizer.json object from vocab.txt text and tokenizer_config.json (+ special_tokens_map.json). */
export function wordPieceTokenizerJson(vocabText: string, tokenizerConfig: Json = {}, specialTokens: Json = {}): Json {
  // As transformers' load_vocab reads it: text mode (universal newlines), no empty last line.
  const lines = vocabText.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  // A prototype-free map: vocab tokens include words like "constructor" and "__proto__".
  const vocab: Record<string, number> = Object.create(null);
  lines.forEach((token, id) => {
    vocab[token] = id;
  });
  const special = (key: string, fallback: string) => tokenName(specialTokens[key] ?? tokenizerConfig[key]) ?? fallback;
  const [unk, sep, pad, cls, mask] = [
    special('unk_token', '[UNK]'),
    special('sep_token', '[SEP]'),
    special('pad_token', '[PAD]'),
    special('cls_token', '[CLS]'),
    special('mask_token', '[MASK]'),
  ];
  for (const required of [unk, sep, cls]) {
    if (!(required in vocab)) {
      throw new DeskError('TOKENIZER_INVALID', `vocab.txt has no ${required} token; cannot build tokenizer.json`);
    }
  }
  const addedTokens = [pad, unk, cls, sep, mask]
    .filter((t, i, all) => t in vocab && all.indexOf(t) === i)
    .map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
    .sort((a, b) => a.id - b.id);
  const bool = (v: unknown, fallback: boolean) => (typeof v === 'boolean' ? v : fallback);
  const piece = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const seq = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: bool(tokenizerConfig.tokenize_chinese_chars, true),
      strip_accents: typeof tokenizerConfig.strip_accents === 'boolean' ? tokenizerConfig.strip_accents : null,
      lowercase: bool(tokenizerConfig.do_lower_case, true),
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [piece(cls, 0), seq('A', 0), piece(sep, 0)],
      pair: [piece(cls, 0), seq('A', 0), piece(sep, 0), seq('B', 1), piece(sep, 1)],
      special_tokens: {
        [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] },
        [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** A special token given as "[X]" or as {"content": "[X]", ...}. */
function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return undefined;
}

/**
 * Writes tokenizer.json into `dir` when it is missing and vocab.txt is there with a BERT-style
 * tokenizer_config.json. Returns true when it wrote one.
 */
export async function synthesizeTokenizerJson(dir: string): Promise<boolean> {
  if (existsSync(join(dir, 'tokenizer.json')) || !existsSync(join(dir, 'vocab.txt'))) return false;
  const readJson = async (name: string): Promise<Json> => {
    const text = await readFile(join(dir, name), 'utf-8').catch(() => undefined);
    if (text === undefined) return {};
    try {
      const v = JSON.parse(text);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
    } catch {
      return {};
    }
  };
  const config = await readJson('tokenizer_config.json');
  const tokenizerClass = config.tokenizer_class;
  if (typeof tokenizerClass === 'string' && !bertTokenizerClasses.has(tokenizerClass)) return false;
  const json = wordPieceTokenizerJson(await readFile(join(dir, 'vocab.txt'), 'utf-8'), config, await readJson('special_tokens_map.json'));
  await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(json, null, 2)}\n`);
  return true;
}
