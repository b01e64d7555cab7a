import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../src-main/core/model/safetensors';
import type { ModelConfig } from '../src-main/core/model/types';
import { weightNames } from '../src-main/core/model/weight-names';

/**
 * Seeded random BERT / DistilBERT QA checkpoints in Hugging Face layout, for benchmarks and tests
 * at full size without downloading anything. Weights follow HF's `_init_weights`: Linear and
 * Embedding ~ N(0, 0.02) (the [PAD] row zero), LayerNorm weight 1 and bias 0, Linear biases 0.
 * The tokenizer files come from the golden tiny BERT (bert-base-uncased vocab, 30,522 pieces).
 */

/** What to build. `ffn` is the FFN inner width (BERT intermediate_size, DistilBERT hidden_dim). */
export interface RandomCheckpointOptions {
  arch: 'bert' | 'distilbert';
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  seed: number;
  /** Output folder; created if missing, files in it overwritten. */
  out: string;
  /** Storage dtype of model.safetensors; F32 by default. */
  dtype?: 'F32' | 'F16';
  /** Folder to copy tokenizer.json, tokenizer_config.json, vocab.txt, special_tokens_map.json from. */
  tokenizerFrom?: string;
  /** A `deformer` block for config.json, as a DeFormer-fine-tuned checkpoint carries (core/model/config.ts parses it). */
  deformer?: { k: number; passageOffset?: number; trainedK?: number[] };
}

/** Model shapes of the two full-size checkpoints the benchmark uses. */
export const randomCheckpointPresets = {
  'bert-base': { arch: 'bert', layers: 12, hidden: 768, heads: 12, ffn: 3072 },
  'distilbert-base': { arch: 'distilbert', layers: 6, hidden: 768, heads: 12, ffn: 3072 },
} as const satisfies Record<string, Pick<RandomCheckpointOptions, 'arch' | 'layers' | 'hidden' | 'heads' | 'ffn'>>;

/** The bert-base-uncased tokenizer files shipped with the golden fixtures (shared/ sits beside the repo). */
export const defaultTokenizerDir = resolve(import.meta.dirname, '../../shared/fixtures/hf-golden/tiny-bert-qa');

const tokenizerFiles = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];
const vocabSize = 30522; // the copied tokenizer's vocabulary
const maxPositions = 512;
const initStd = 0.02; // HF initializer_range

/** Writes config.json, model.safetensors and the tokenizer files into `opts.out`; returns that folder. */
export async function makeRandomCheckpoint(opts: RandomCheckpointOptions): Promise<string> {
  mkdirSync(opts.out, { recursive: true });
  const config = { ...hfConfig(opts), ...(opts.deformer ? { deformer: { passageOffset: 0, ...opts.deformer } } : {}) };
  writeFileSync(join(opts.out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeSafetensors(join(opts.out, 'model.safetensors'), randomWeights(opts));
  const from = opts.tokenizerFrom ?? defaultTokenizerDir;
  for (const name of tokenizerFiles) {
    // The fixtures are read-only; copies must stay writable so a rerun can overwrite them.
    const dest = join(opts.out, name);
    rmSync(dest, { force: true });
    copyFileSync(join(from, name), dest);
    chmodSync(dest, 0o644);
  }
  return opts.out;
}

/** The ModelConfig a checkpoint made with `opts` loads as. */
export function randomModelConfig(opts: Omit<RandomCheckpointOptions, 'seed' | 'out'>): ModelConfig {
  if (opts.hidden % opts.heads !== 0) throw new Error(`heads (${opts.heads}) must divide hidden (${opts.hidden})`);
  return {
    arch: opts.arch,
    layers: opts.layers,
    hidden: opts.hidden,
    heads: opts.heads,
    intermediate: opts.ffn,
    vocabSize,
    maxPositions,
    typeVocabSize: opts.arch === 'bert' ? 2 : 0,
    layerNormEps: 1e-12,
    activation: 'gelu',
  };
}

/** The seeded tensors `makeRandomCheckpoint` writes; each tensor has its own stream (seed, name). */
export function randomWeights(opts: Omit<RandomCheckpointOptions, 'out'>): TensorToWrite[] {
  const dtype = opts.dtype ?? 'F32';
  return weightNames(randomModelConfig(opts)).map(({ name, shape }) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isNorm = /(LayerNorm|layer_norm)\.weight$/.test(name);
    if (isNorm) data.fill(1);
    else if (!name.endsWith('.bias')) fillNormal(data, initStd, streamSeed(opts.seed, name));
    // HF zeroes the padding row of the word embeddings ([PAD] = 0).
    if (name.endsWith('word_embeddings.weight')) data.fill(0, 0, shape[1]);
    return { name, dtype, shape, data };
  });
}

/** config.json with the fields transformers 4.31 writes for these classes. */
function hfConfig(opts: RandomCheckpointOptions): Record<string, unknown> {
  const torchDtype = (opts.dtype ?? 'F32') === 'F16' ? 'float16' : 'float32';
  randomModelConfig(opts); // validates heads | hidden
  if (opts.arch === 'bert') {
    return {
      architectures: ['BertForQuestionAnswering'],
      attention_probs_dropout_prob: 0.1,
      classifier_dropout: null,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      hidden_size: opts.hidden,
      initializer_range: initStd,
      intermediate_size: opts.ffn,
      layer_norm_eps: 1e-12,
      max_position_embeddings: maxPositions,
      model_type: 'bert',
      num_attention_heads: opts.heads,
      num_hidden_layers: opts.layers,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
      torch_dtype: torchDtype,
      transformers_version: '4.31.0',
      type_vocab_size: 2,
      use_cache: true,
      vocab_size: vocabSize,
    };
  }
  return {
    activation: 'gelu',
    architectures: ['DistilBertForQuestionAnswering'],
    attention_dropout: 0.1,
    dim: opts.hidden,
    dropout: 0.1,
    hidden_dim: opts.ffn,
    initializer_range: initStd,
    max_position_embeddings: maxPositions,
    model_type: 'distilbert',
    n_heads: opts.heads,
    n_layers: opts.layers,
    pad_token_id: 0,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    sinusoidal_pos_embds: false,
    torch_dtype: torchDtype,
    transformers_version: '4.31.0',
    vocab_size: vocabSize,
  };
}

/** FNV-1a of the name mixed with the seed: a tensor's values do not depend on which others exist. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** N(0, std²) by Box-Muller over mulberry32 (fast, seeded, good enough for weights). */
function fillNormal(out: Float32Array, std: number, seed: number): void {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; // (0, 1): log() never sees 0
  };
  for (let i = 0; i < out.length; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
}
