import type { ModelConfig } from './types';

/**
 * The tensors a BERT / DistilBERT QA checkpoint must hold, by their Hugging Face names, with
 * the shapes config.json implies; and the renames that map older Hub names onto them.
 * Linear weights are [out, in] as PyTorch stores them.
 */

/** One tensor the engine needs: its HF name and the shape config.json implies. */
export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/** Every tensor `loadCheckpoint` requires for `config`, in model order (embeddings, layers, span head). */
export function weightNames(config: ModelConfig): ExpectedWeight[] {
  const { hidden: h, intermediate: ffn } = config;
  const out: ExpectedWeight[] = [];
  const linear = (name: string, outDim: number, inDim: number) =>
    out.push({ name: `${name}.weight`, shape: [outDim, inDim] }, { name: `${name}.bias`, shape: [outDim] });
  const layerNorm = (name: string) =>
    out.push({ name: `${name}.weight`, shape: [h] }, { name: `${name}.bias`, shape: [h] });

  const base = config.arch; // 'bert' | 'distilbert': HF's base_model_prefix
  out.push({ name: `${base}.embeddings.word_embeddings.weight`, shape: [config.vocabSize, h] });
  out.push({ name: `${base}.embeddings.position_embeddings.weight`, shape: [config.maxPositions, h] });
  if (config.arch === 'bert') {
    out.push({ name: 'bert.embeddings.token_type_embeddings.weight', shape: [config.typeVocabSize, h] });
  }
  layerNorm(`${base}.embeddings.LayerNorm`);

  for (let i = 0; i < config.layers; i++) {
    if (config.arch === 'bert') {
      const l = `bert.encoder.layer.${i}`;
      linear(`${l}.attention.self.query`, h, h);
      linear(`${l}.attention.self.key`, h, h);
      linear(`${l}.attention.self.value`, h, h);
      linear(`${l}.attention.output.dense`, h, h);
      layerNorm(`${l}.attention.output.LayerNorm`);
      linear(`${l}.intermediate.dense`, ffn, h);
      linear(`${l}.output.dense`, h, ffn);
      layerNorm(`${l}.output.LayerNorm`);
    } else {
      const l = `distilbert.transformer.layer.${i}`;
      linear(`${l}.attention.q_lin`, h, h);
      linear(`${l}.attention.k_lin`, h, h);
      linear(`${l}.attention.v_lin`, h, h);
      linear(`${l}.attention.out_lin`, h, h);
      layerNorm(`${l}.sa_layer_norm`);
      linear(`${l}.ffn.lin1`, ffn, h);
      linear(`${l}.ffn.lin2`, h, ffn);
      layerNorm(`${l}.output_layer_norm`);
    }
  }
  linear('qa_outputs', 2, h);
  return out;
}

/** The span head's tensors: without them the checkpoint is not a QA model. */
export const spanHeadNames = ['qa_outputs.weight', 'qa_outputs.bias'] as const;

/**
 * A file's tensor name → the HF name `weightNames` uses. Handles checkpoints saved from the bare
 * base model (no `bert.` / `distilbert.` prefix) and TF-converted ones (LayerNorm gamma/beta),
 * as transformers' own loader does.
 */
export function canonicalName(fileName: string, arch: ModelConfig['arch']): string {
  let name = fileName.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  const bareRoots = arch === 'bert' ? ['embeddings.', 'encoder.', 'pooler.'] : ['embeddings.', 'transformer.'];
  if (bareRoots.some((root) => name.startsWith(root))) name = `${arch}.${name}`;
  return name;
}

/** Tensors some checkpoints carry that the engine never uses: int64 position/token-type buffers, the pooler. */
export function isIgnoredWeight(name: string): boolean {
  return /\.embeddings\.(position_ids|token_type_ids)$/.test(name) || name.startsWith('bert.pooler.');
}

/** The encoder layer index a tensor belongs to, or -1 for embeddings and heads. */
export function layerIndexOf(name: string): number {
  const m = /^(?:bert\.encoder|distilbert\.transformer)\.layer\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}
