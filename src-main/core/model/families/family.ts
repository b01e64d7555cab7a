/**
 * What a model family is to the engine. Every family shares one structure (word + position
 * embeddings, optional token-type embeddings, post-LayerNorm encoder layers, a Linear H→2 span
 * head), so a family declares only what differs: how its config.json is read, its Hugging Face
 * weight names, and its input conventions. Everything else asks the registry (registry.ts).
 */
import type { ModelConfig } from '../types';

/** HF names of one encoder layer's parameters; prefixes: append `.weight` / `.bias` (Linear weights are [out, in]). */
export interface HfLayerNames {
  query: string;
  key: string;
  value: string;
  attnOut: string;
  attnNorm: string;
  ffnIn: string;
  ffnOut: string;
  outNorm: string;
}

/** HF names of the embeddings (tokenType is null for a family without token types); norm is a prefix. */
export interface HfEmbeddingNames {
  word: string;
  position: string;
  tokenType: string | null;
  norm: string;
}

/** Typed reads of config.json fields whose errors name the file and the field (config.ts). */
export interface ConfigFields {
  int(field: string, fallback?: number): number;
  positive(field: string, fallback: number): number;
  activation(field: string): ModelConfig['activation'];
  fail(field: string, problem: string): never;
}

export interface ModelFamily {
  /** ModelConfig.arch, and HF's base_model_prefix: weights are named `<arch>.embeddings...`. */
  readonly arch: string;
  /** config.json `model_type` values of this family. */
  readonly modelTypes: readonly string[];
  /** Start of its HF class names (`Bert` → BertForQuestionAnswering), read when model_type is absent. */
  readonly classPrefix: string;
  /** The config.json fields that hold the layer count, width and heads, as errors name them. */
  readonly fields: { layers: string; hidden: string; heads: string };
  /** config.json → the architecture-neutral sizes; throws through `f` for a field that does not fit. */
  readConfig(f: ConfigFields, raw: Record<string, unknown>): Omit<ModelConfig, 'arch' | 'deformer'>;
  /** Input convention: whether sequences carry token type ids (segment A/B). */
  readonly tokenTypes: boolean;
  embeddingNames(): HfEmbeddingNames;
  layerNames(layer: number): HfLayerNames;
  /** Roots of a checkpoint saved from the bare base model (no `<arch>.` prefix). */
  readonly bareRoots: readonly string[];
  /** What every encoder layer's tensor names start with, before the layer index. */
  readonly layerPrefix: string;
  /** Tensors its checkpoints may carry that the engine never uses (e.g. BERT's pooler). */
  isUnused(name: string): boolean;
}
