import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../errors';
import { familyForConfig, familyNames, supportedClasses, type ConfigFields, type ModelFamily } from './families/registry';
import type { DeformerSplit, ModelConfig } from './types';

/**
 * config.json → ModelConfig. Hugging Face writes BERT and DistilBERT settings under different
 * field names; both end up in one architecture-neutral shape. Fields HF's own config classes
 * default (eps, activation, type vocab) fall back to those defaults; the sizes that fix the
 * weight shapes are required.
 */

type Json = Record<string, unknown>;

/** HF activation names we can build, mapped to the engine's names (`gelu_python` is exact erf GELU too). */
const activations: Record<string, ModelConfig['activation']> = {
  gelu: 'gelu',
  gelu_python: 'gelu',
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  relu: 'relu',
};

/** Parses a checkpoint's config.json; `file` is its path, named in every error. */
export function parseConfig(json: unknown, file: string): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DeskError('CHECKPOINT_BAD_CONFIG', `${file}: expected a JSON object`, { file });
  }
  const cfg = json as Json;
  const family = familyOfConfig(cfg, file);
  const f = new Fields(cfg, file);
  const config: ModelConfig = { arch: family.arch, ...family.readConfig(f, cfg) };
  const deformer = cfg.deformer === undefined ? undefined : parseDeformer(cfg.deformer, config.layers, f);
  if (config.hidden % config.heads !== 0) {
    f.fail(family.fields.heads, `(${config.heads}) does not divide ${family.fields.hidden} (${config.hidden})`);
  }
  return deformer ? { ...config, deformer } : config;
}

/** The recipe's `deformer` block: k within the layers, P a position, trainedK listing k. */
function parseDeformer(v: unknown, layers: number, f: Fields): DeformerSplit {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) f.fail('deformer', 'must be an object');
  const block = v as Json;
  const k = block.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > layers) {
    f.fail('deformer', `.k must be a whole number from 0 to ${layers}, got ${JSON.stringify(k)}`);
  }
  const P = block.passageOffset ?? 0;
  if (typeof P !== 'number' || !Number.isInteger(P) || P < 0) {
    f.fail('deformer', `.passageOffset must be a whole number ≥ 0, got ${JSON.stringify(P)}`);
  }
  const trained = block.trainedK ?? [k];
  if (!Array.isArray(trained) || !trained.every((t) => Number.isInteger(t) && t >= 0 && t <= layers)) {
    f.fail('deformer', `.trainedK must list whole numbers from 0 to ${layers}`);
  }
  return { k, passageOffset: P, trainedK: trained as number[] };
}

/** The registered family config.json describes (families/registry.ts), by `model_type` or `architectures`. */
function familyOfConfig(cfg: Json, file: string): ModelFamily {
  const modelType = cfg.model_type;
  const architectures = Array.isArray(cfg.architectures) ? cfg.architectures.map(String) : [];
  const family = familyForConfig(modelType, architectures);
  if (family) return family;
  const said = [
    modelType === undefined ? null : `model_type ${JSON.stringify(modelType)}`,
    architectures.length ? `architectures ${JSON.stringify(architectures)}` : null,
  ].filter(Boolean);
  throw new DeskError(
    'CHECKPOINT_UNKNOWN_ARCHITECTURE',
    `${file}: ${said.length ? said.join(', ') : 'no model_type or architectures field'}; ` +
      `supported: ${supportedClasses().join(' and ')} (model_type ${familyNames().map((n) => `"${n}"`).join(' or ')})`,
    { file, field: modelType === undefined ? 'architectures' : 'model_type' },
  );
}

/** Typed reads of config fields; errors name the file and the field. */
class Fields implements ConfigFields {
  constructor(
    private readonly cfg: Json,
    private readonly file: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new DeskError('CHECKPOINT_BAD_CONFIG', `${this.file}: field "${field}" ${problem}`, {
      file: this.file,
      field,
    });
  }

  int(field: string, fallback?: number): number {
    const v = this.cfg[field] ?? fallback;
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      this.fail(field, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  positive(field: string, fallback: number): number {
    const v = this.cfg[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      this.fail(field, `must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  activation(field: string): ModelConfig['activation'] {
    const v = this.cfg[field] ?? 'gelu';
    const act = typeof v === 'string' ? activations[v] : undefined;
    if (!act) {
      this.fail(field, `is ${JSON.stringify(v)}; supported: ${Object.keys(activations).join(', ')}`);
    }
    return act;
  }
}

/**
 * The default split for a STOCK checkpoint (one not fine-tuned for DeFormer): k = n/6, at least 1
 * when there are layers. Measured, not taken from the paper (README "Training the built-in model",
 * models/train/results/minilm-eval.json): a 6-layer SQuAD model split as is keeps F1 49.3 of 64.8
 * at k = 1 but 24.5 at k = 2 and 5.5 at k = 4 (the paper's 3n/4) on held-out articles. So without
 * DeFormer fine-tuning the split buys little speed; a trained checkpoint's own k (defaultK) wins.
 */
export function recommendedK(layers: number): number {
  return layers === 0 ? 0 : Math.max(1, Math.floor(layers / 6));
}

/**
 * The k a model runs at unless the person picks another: the split its weights were fine-tuned for
 * (config.json `deformer.k`), else recommendedK for a stock checkpoint.
 */
export function defaultK(config: ModelConfig): number {
  return config.deformer?.k ?? recommendedK(config.layers);
}

/** Whether `k` is a split the checkpoint was trained for (a stock checkpoint was trained for none). */
export function isTrainedK(config: ModelConfig, k: number): boolean {
  return config.deformer?.trainedK.includes(k) ?? false;
}

/** Reads and checks `<dir>/config.json` alone (no weights): for defaults such as k before an engine opens. */
export function readConfig(dir: string): ModelConfig {
  const file = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new DeskError('CHECKPOINT_MISSING_FILE', `cannot read ${file}: is ${dir} a checkpoint folder?`, { file });
  }
  return parseConfig(json, file);
}
