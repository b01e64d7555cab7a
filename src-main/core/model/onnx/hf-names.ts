/**
 * Hugging Face parameter names per architecture, for the pieces the graphs need.
 * Both families share one structure (post-LayerNorm encoder layers, a Linear H→2 span head);
 * only the names differ.
 */
import type { ModelConfig } from '../types';

/** HF names of one encoder layer's parameters (Linear weights are [out, in]). */
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

/** HF names of the embeddings (typeEmbeddings is null for DistilBERT). */
export interface HfEmbeddingNames {
  word: string;
  position: string;
  tokenType: string | null;
  norm: string;
}

export function hfEmbeddingNames(arch: ModelConfig['arch']): HfEmbeddingNames {
  const p = arch === 'bert' ? 'bert.embeddings.' : 'distilbert.embeddings.';
  return {
    word: `${p}word_embeddings.weight`,
    position: `${p}position_embeddings.weight`,
    tokenType: arch === 'bert' ? `${p}token_type_embeddings.weight` : null,
    norm: `${p}LayerNorm`,
  };
}

/** Names are prefixes: append `.weight` / `.bias`. */
export function hfLayerNames(arch: ModelConfig['arch'], i: number): HfLayerNames {
  if (arch === 'bert') {
    const p = `bert.encoder.layer.${i}.`;
    return {
      query: `${p}attention.self.query`,
      key: `${p}attention.self.key`,
      value: `${p}attention.self.value`,
      attnOut: `${p}attention.output.dense`,
      attnNorm: `${p}attention.output.LayerNorm`,
      ffnIn: `${p}intermediate.dense`,
      ffnOut: `${p}output.dense`,
      outNorm: `${p}output.LayerNorm`,
    };
  }
  const p = `distilbert.transformer.layer.${i}.`;
  return {
    query: `${p}attention.q_lin`,
    key: `${p}attention.k_lin`,
    value: `${p}attention.v_lin`,
    attnOut: `${p}attention.out_lin`,
    attnNorm: `${p}sa_layer_norm`,
    ffnIn: `${p}ffn.lin1`,
    ffnOut: `${p}ffn.lin2`,
    outNorm: `${p}output_layer_norm`,
  };
}

/** The span head: Linear H→2 (start, end). */
export const HF_SPAN_HEAD = 'qa_outputs';
