/**
 * Reads a checkpoint's tokenizer files. tokenizer.json is the source of truth; an older
 * checkpoint with only vocab.txt gets, in memory, the tokenizer.json that the hub installer
 * would write for it (transformers' BertConverter layout, see hub/tokenizer-json.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeskError } from '../errors';
import { wordPieceTokenizerJson } from '../hub/tokenizer-json';

/** tokenizer.json (HF `tokenizers` schema), only the parts we look at typed. */
export interface TokenizerJson {
  added_tokens: Array<Record<string, unknown> & { content: string; id: number }>;
  normalizer: Record<string, unknown> | null;
  pre_tokenizer: Record<string, unknown> | null;
  model: Record<string, unknown>;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** The parsed files of one checkpoint folder. */
export interface TokenizerFiles {
  json: TokenizerJson;
  /** tokenizer_config.json, or {} when absent. */
  config: Record<string, unknown>;
  /** Which file the tokenizer came from, for error messages. */
  source: string;
}

/** Reads tokenizer.json (or vocab.txt) and tokenizer_config.json from a checkpoint folder. */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const configPath = join(dir, 'tokenizer_config.json');
  const configText = await readOptional(configPath);
  const config = configText === null ? {} : parseJson(configText, configPath);
  const jsonPath = join(dir, 'tokenizer.json');
  const jsonText = await readOptional(jsonPath);
  if (jsonText !== null) {
    const json = parseJson(jsonText, jsonPath);
    for (const key of ['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'added_tokens']) {
      if (!(key in json)) throw new DeskError('TOKENIZER_INVALID', `${jsonPath} has no "${key}" entry.`, { path: jsonPath });
    }
    return { json: json as TokenizerJson, config, source: jsonPath };
  }
  const vocabPath = join(dir, 'vocab.txt');
  const vocabText = await readOptional(vocabPath);
  if (vocabText === null) {
    throw new DeskError('CHECKPOINT_MISSING_FILE', `No tokenizer.json or vocab.txt in ${dir}.`, { path: jsonPath });
  }
  const specialsText = await readOptional(join(dir, 'special_tokens_map.json'));
  const specials = specialsText === null ? {} : parseJson(specialsText, join(dir, 'special_tokens_map.json'));
  const json = wordPieceTokenizerJson(vocabText, config, specials) as unknown as TokenizerJson;
  return { json, config, source: vocabPath };
}

/** A special token in tokenizer_config.json is a string or an AddedToken object `{ content }`. */
export function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DeskError('CHECKPOINT_MISSING_FILE', `Cannot read ${path}: ${(err as Error).message}`, { path });
  }
}

function parseJson(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DeskError('TOKENIZER_INVALID', `${path} is not valid JSON: ${(err as Error).message}`, { path });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DeskError('TOKENIZER_INVALID', `${path} must hold a JSON object.`, { path });
  }
  return value as Record<string, unknown>;
}
