/**
 * Hugging Face parameter names of the pieces the graphs need, from the model's family
 * (families/registry.ts): every family shares one structure (post-LayerNorm encoder layers, a
 * Linear H→2 span head); only the names differ, and each family spells its own once.
 */
import { familyOf, type HfEmbeddingNames, type HfLayerNames } from '../families/registry';
import type { ModelConfig } from '../types';

export type { HfEmbeddingNames, HfLayerNames };

export function hfEmbeddingNames(arch: ModelConfig['arch']): HfEmbeddingNames {
  return familyOf(arch).embeddingNames();
}

/** Names are prefixes: append `.weight` / `.bias`. */
export function hfLayerNames(arch: ModelConfig['arch'], i: number): HfLayerNames {
  return familyOf(arch).layerNames(i);
}

/** The span head: Linear H→2 (start, end). */
export const HF_SPAN_HEAD = 'qa_outputs';
