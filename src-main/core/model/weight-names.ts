import { familyOf } from './families/registry';
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

  // The family spells its Hugging Face names once (families/); only the shapes are said here.
  const family = familyOf(config.arch);
  const emb = family.embeddingNames();
  out.push({ name: emb.word, shape: [config.vocabSize, h] });
  out.push({ name: emb.position, shape: [config.maxPositions, h] });
  if (emb.tokenType) out.push({ name: emb.tokenType, shape: [config.typeVocabSize, h] });
  layerNorm(emb.norm);

  for (let i = 0; i < config.layers; i++) {
    const l = family.layerNames(i);
    linear(l.query, h, h);
    linear(l.key, h, h);
    linear(l.value, h, h);
    linear(l.attnOut, h, h);
    layerNorm(l.attnNorm);
    linear(l.ffnIn, ffn, h);
    linear(l.ffnOut, h, ffn);
    layerNorm(l.outNorm);
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
  if (familyOf(arch).bareRoots.some((root) => name.startsWith(root))) name = `${arch}.${name}`;
  return name;
}

/** Tensors some checkpoints carry that the engine never uses: int64 position/token-type buffers, the family's extras (BERT's pooler). */
export function isIgnoredWeight(name: string, arch: ModelConfig['arch']): boolean {
  return /\.embeddings\.(position_ids|token_type_ids)$/.test(name) || familyOf(arch).isUnused(name);
}

/** The encoder layer index a tensor of family `arch` belongs to, or -1 for embeddings and heads. */
export function layerIndexOf(name: string, arch: ModelConfig['arch']): number {
  const prefix = familyOf(arch).layerPrefix;
  if (!name.startsWith(prefix)) return -1;
  const m = /^(\d+)\./.exec(name.slice(prefix.length));
  return m ? Number(m[1]) : -1;
}
