/** DistilBERT: no token types, `distilbert.transformer.layer.N` names, its own config field names. */
import type { ModelFamily } from './family';

export const distilbert: ModelFamily = {
  arch: 'distilbert',
  modelTypes: ['distilbert'],
  classPrefix: 'DistilBert',
  fields: { layers: 'n_layers', hidden: 'dim', heads: 'n_heads' },
  readConfig: (f) => ({
    layers: f.int('n_layers'),
    hidden: f.int('dim'),
    heads: f.int('n_heads'),
    intermediate: f.int('hidden_dim'),
    vocabSize: f.int('vocab_size'),
    maxPositions: f.int('max_position_embeddings', 512),
    typeVocabSize: 0,
    // DistilBERT's modeling code hard-codes nn.LayerNorm(eps=1e-12); config.json has no field for it.
    layerNormEps: 1e-12,
    // sinusoidal_pos_embds (e.g. distilbert-base-cased-distilled-squad) needs nothing special:
    // HF fills the position table with the sinusoids and saves it like a learned one.
    activation: f.activation('activation'),
  }),
  tokenTypes: false,
  embeddingNames: () => ({
    word: 'distilbert.embeddings.word_embeddings.weight',
    position: 'distilbert.embeddings.position_embeddings.weight',
    tokenType: null,
    norm: 'distilbert.embeddings.LayerNorm',
  }),
  layerNames(i) {
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
  },
  bareRoots: ['embeddings.', 'transformer.'],
  layerPrefix: 'distilbert.transformer.layer.',
  isUnused: () => false,
};
