/** BERT and BERT-layout checkpoints (MiniLM, ...): token types, `bert.encoder.layer.N` names. */
import type { ModelFamily } from './family';

export const bert: ModelFamily = {
  arch: 'bert',
  modelTypes: ['bert'],
  classPrefix: 'Bert',
  fields: { layers: 'num_hidden_layers', hidden: 'hidden_size', heads: 'num_attention_heads' },
  readConfig(f, raw) {
    const positionType = raw.position_embedding_type ?? 'absolute';
    if (positionType !== 'absolute') f.fail('position_embedding_type', `is ${JSON.stringify(positionType)}; only "absolute" is supported`);
    return {
      layers: f.int('num_hidden_layers'),
      hidden: f.int('hidden_size'),
      heads: f.int('num_attention_heads'),
      intermediate: f.int('intermediate_size'),
      vocabSize: f.int('vocab_size'),
      maxPositions: f.int('max_position_embeddings', 512),
      typeVocabSize: f.int('type_vocab_size', 2),
      layerNormEps: f.positive('layer_norm_eps', 1e-12),
      activation: f.activation('hidden_act'),
    };
  },
  tokenTypes: true,
  embeddingNames: () => ({
    word: 'bert.embeddings.word_embeddings.weight',
    position: 'bert.embeddings.position_embeddings.weight',
    tokenType: 'bert.embeddings.token_type_embeddings.weight',
    norm: 'bert.embeddings.LayerNorm',
  }),
  layerNames(i) {
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
  },
  bareRoots: ['embeddings.', 'encoder.', 'pooler.'],
  layerPrefix: 'bert.encoder.layer.',
  isUnused: (name) => name.startsWith('bert.pooler.'),
};
