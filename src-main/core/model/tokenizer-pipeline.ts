/**
 * Builds the library's Tokenizer from tokenizer.json and checks that its pipeline is the one
 * we can track offsets through: BertNormalizer (or none) → BertPreTokenizer → WordPiece,
 * which is what every BERT / DistilBERT checkpoint on the Hub uses.
 */
import {
  AddedToken,
  BertNormalizer,
  BertPreTokenizer,
  Tokenizer as HfTokenizer,
  WordPiece,
} from '@huggingface/tokenizers';
import { DeskError } from '../errors';
import { AddedTokenSplitter, type AddedTokenSpec } from './tokenizer-added';
import type { EncodePipeline } from './tokenizer-encode';
import type { TokenizerFiles } from './tokenizer-files';
import { BertNormalization, type NormalizerSettings } from './tokenizer-normalize';

/** The library's tokenizer and the pipeline we encode with. */
export interface BuiltPipeline {
  lib: HfTokenizer;
  pipeline: EncodePipeline;
}

/** Validates tokenizer.json's components and wires the library's parts into an EncodePipeline. */
export function buildPipeline(files: TokenizerFiles): BuiltPipeline {
  const invalid = (why: string): DeskError =>
    new DeskError('TOKENIZER_INVALID', `${files.source}: ${why}`, { path: files.source });
  let lib: HfTokenizer;
  try {
    lib = new HfTokenizer(files.json, files.config);
  } catch (err) {
    throw invalid(`@huggingface/tokenizers cannot load it (${(err as Error).message}).`);
  }
  const { normalizer, pre_tokenizer: preTokenizer, model } = lib;
  if (normalizer !== null && !(normalizer instanceof BertNormalizer)) {
    throw invalid(`normalizer ${String(files.json.normalizer?.type)} is not supported (only BertNormalizer).`);
  }
  if (!(preTokenizer instanceof BertPreTokenizer)) {
    throw invalid(`pre_tokenizer ${String(files.json.pre_tokenizer?.type)} is not supported (only BertPreTokenizer).`);
  }
  if (!(model instanceof WordPiece) || model.unk_token_id === undefined) {
    throw invalid(`model ${String(files.json.model.type)} is not supported (only WordPiece with an unk_token in its vocab).`);
  }
  if (files.config.remove_space === true || files.config.do_lowercase_and_remove_accent === true) {
    throw invalid('tokenizer_config.json options remove_space / do_lowercase_and_remove_accent are not supported.');
  }
  const libNormalize = normalizer === null ? (s: string) => s : (s: string) => normalizer(s);
  const settings = normalizer === null ? noNormalization() : settingsOf(normalizer.config);

  // Same bookkeeping as the library's constructor: raw contents, normalised contents, one lookup map.
  const byContent = new Map<string, AddedTokenSpec>();
  const rawContents: string[] = [];
  const normalizedContents: string[] = [];
  for (const entry of files.json.added_tokens) {
    const token = new AddedToken(entry as ConstructorParameters<typeof AddedToken>[0]);
    byContent.set(token.content, token);
    if (token.normalized && normalizer !== null) {
      const content = normalizer(token.content);
      normalizedContents.push(content);
      byContent.set(content, token);
    } else {
      rawContents.push(token.content);
    }
  }
  const trie = (contents: string[]) => new Map(contents.map((c) => [c, byContent.get(c) as AddedTokenSpec]));
  const unkId = model.unk_token_id;
  const pipeline: EncodePipeline = {
    normalization: new BertNormalization(settings, libNormalize),
    rawSplitter: new AddedTokenSplitter(trie(rawContents), byContent),
    normalizedSplitter: new AddedTokenSplitter(trie(normalizedContents), byContent),
    wordPieces: (words) => model(words),
    tokenId: (token) => byContent.get(token)?.id ?? model.tokens_to_ids.get(token) ?? unkId,
    unkId,
    continuingPrefix: String((model.config as { continuing_subword_prefix?: unknown }).continuing_subword_prefix),
    fuseUnk: model.fuse_unk,
  };
  return { lib, pipeline };
}

/** Reads BertNormalizer's flags as the library does: `strip_accents: null` follows `lowercase`. */
function settingsOf(config: BertNormalizer['config']): NormalizerSettings {
  const lowercase = Boolean(config.lowercase);
  return {
    cleanText: Boolean(config.clean_text),
    handleChineseChars: Boolean(config.handle_chinese_chars),
    lowercase,
    stripAccents: lowercase ? config.strip_accents !== false : Boolean(config.strip_accents),
  };
}

function noNormalization(): NormalizerSettings {
  return { cleanText: false, handleChineseChars: false, lowercase: false, stripAccents: false };
}
