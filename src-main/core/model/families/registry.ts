/**
 * The model-family registry: one module per family (bert.ts, distilbert.ts). Adding a family
 * (RoBERTa, ELECTRA: the same graph pieces under other names) is one new module registered here,
 * plus its tests; config reading, weight names, checkpoint loading, graphs and engine inputs
 * all ask this registry instead of checking the architecture themselves.
 */
import { DeskError } from '../../errors';
import { bert } from './bert';
import { distilbert } from './distilbert';
import type { ModelFamily } from './family';

export type { ConfigFields, HfEmbeddingNames, HfLayerNames, ModelFamily } from './family';

const families = new Map<string, ModelFamily>();

/** Adds a family (the built-in ones are registered below); a second family of one arch is a bug. */
export function registerFamily(family: ModelFamily): () => void {
  if (families.has(family.arch)) throw new Error(`model family "${family.arch}" is already registered`);
  families.set(family.arch, family);
  return () => void families.delete(family.arch);
}

registerFamily(bert);
registerFamily(distilbert);

/** The family of a config's arch; an arch no family declares is an unknown architecture. */
export function familyOf(arch: string): ModelFamily {
  const family = families.get(arch);
  if (!family) throw new DeskError('CHECKPOINT_UNKNOWN_ARCHITECTURE', `No model family "${arch}" is registered; supported: ${familyNames().join(', ')}.`);
  return family;
}

/** The family config.json describes: by `model_type`, else by its `architectures` class names. */
export function familyForConfig(modelType: unknown, architectures: string[]): ModelFamily | undefined {
  const all = [...families.values()];
  if (modelType !== undefined) return all.find((f) => f.modelTypes.includes(String(modelType)));
  // Longest prefix first: `DistilBert...` must not be taken for `Bert...`-less lookalikes and vice versa.
  const byPrefix = [...all].sort((a, b) => b.classPrefix.length - a.classPrefix.length);
  return byPrefix.find((f) => architectures.some((a) => a.startsWith(f.classPrefix)));
}

export function familyNames(): string[] {
  return [...families.keys()];
}

/** The class names the registry knows, for errors: BertForQuestionAnswering, ... */
export function supportedClasses(): string[] {
  return [...families.values()].map((f) => `${f.classPrefix}ForQuestionAnswering`);
}
