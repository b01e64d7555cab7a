import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DeskError } from '../errors';
import { parseConfig } from './config';
import { floatDtypes, parseSafetensors } from './safetensors';
import type { Checkpoint, WeightTensor } from './types';
import { familyOf } from './families/registry';
import { canonicalName, isIgnoredWeight, layerIndexOf, spanHeadNames, weightNames } from './weight-names';

export { weightNames, type ExpectedWeight } from './weight-names';

/**
 * A Hugging Face checkpoint folder → config, float32 weights by HF name, and a fingerprint.
 * Every expected tensor is asserted by name and shape against config.json as it is taken;
 * anything wrong is a DeskError naming the file and the field or tensor.
 */

/** The files a checkpoint folder must hold (tokenizer_config.json and vocab.txt are optional). */
export const checkpointFiles = {
  config: 'config.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
} as const;

/** Weight formats we do not read, with what to do instead. */
const otherFormats: Array<[string, string]> = [
  ['model.safetensors.index.json', 'sharded safetensors are not supported; save as one model.safetensors'],
  ['pytorch_model.bin', 'convert it with save_pretrained(..., safe_serialization=True)'],
  ['tf_model.h5', 'convert it with save_pretrained(..., safe_serialization=True)'],
];

/** Loads and checks a checkpoint folder (config.json, model.safetensors, tokenizer.json). */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  await assertFilesPresent(dir);
  const configPath = join(dir, checkpointFiles.config);
  const weightsPath = join(dir, checkpointFiles.weights);

  // fingerprint = sha256(config.json bytes ‖ model.safetensors bytes), hashed while reading: one pass.
  const hash = createHash('sha256');
  const configBytes = await readHashing(configPath, hash);
  let configJson: unknown;
  try {
    configJson = JSON.parse(configBytes.toString('utf-8'));
  } catch (err) {
    throw new DeskError('CHECKPOINT_BAD_CONFIG', `${configPath}: not valid JSON (${(err as Error).message})`, {
      file: configPath,
    });
  }
  const config = parseConfig(configJson, configPath);
  const file = parseSafetensors(await readHashing(weightsPath, hash), weightsPath);
  const fingerprint = hash.digest('hex');

  // File names → HF names (prefix-less and gamma/beta checkpoints), dropping buffers and the pooler.
  const byName = new Map<string, string>();
  for (const fileName of file.entries.keys()) {
    const name = canonicalName(fileName, config.arch);
    if (isIgnoredWeight(name, config.arch)) continue;
    const layer = layerIndexOf(name, config.arch);
    if (layer >= config.layers) {
      const field = familyOf(config.arch).fields.layers;
      throw new DeskError(
        'CHECKPOINT_SHAPE_MISMATCH',
        `${weightsPath}: tensor "${fileName}" belongs to layer ${layer}, but ${configPath} field "${field}" is ${config.layers}`,
        { file: weightsPath, tensor: fileName, field },
      );
    }
    const twin = byName.get(name);
    if (twin !== undefined) {
      throw new DeskError('CHECKPOINT_BAD_WEIGHTS', `${weightsPath}: tensors "${twin}" and "${fileName}" are the same weight`, {
        file: weightsPath,
        tensor: fileName,
      });
    }
    byName.set(name, fileName);
  }

  const absentHead = spanHeadNames.filter((n) => !byName.has(n));
  if (absentHead.length) {
    const said = JSON.stringify((configJson as { architectures?: unknown }).architectures ?? null);
    throw new DeskError(
      'CHECKPOINT_NO_SPAN_HEAD',
      `${weightsPath}: no question-answering span head (missing ${absentHead.join(', ')}); ` +
        `${configPath} field "architectures" is ${said}. A BertForQuestionAnswering or ` +
        'DistilBertForQuestionAnswering checkpoint is needed, not a base or masked-LM model.',
      { file: weightsPath, tensor: absentHead[0], field: 'architectures' },
    );
  }

  const expected = weightNames(config);
  const missing = expected.filter((w) => !byName.has(w.name)).map((w) => w.name);
  if (missing.length) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new DeskError(
      'CHECKPOINT_BAD_WEIGHTS',
      `${weightsPath}: missing tensors for a ${config.arch} model as ${configPath} describes it: ${shown}`,
      { file: weightsPath, missing },
    );
  }

  const weights = new Map<string, WeightTensor>();
  for (const { name, shape } of expected) {
    const fileName = byName.get(name)!;
    const entry = file.entries.get(fileName)!;
    if (!floatDtypes.has(entry.dtype)) {
      throw new DeskError(
        'CHECKPOINT_BAD_WEIGHTS',
        `${weightsPath}: tensor "${fileName}" has dtype ${entry.dtype}; weights must be F32, F16 or BF16`,
        { file: weightsPath, tensor: fileName },
      );
    }
    if (!sameShape(entry.shape, shape)) {
      throw new DeskError(
        'CHECKPOINT_SHAPE_MISMATCH',
        `${weightsPath}: tensor "${fileName}" has shape [${entry.shape.join(', ')}], but ${configPath} ` +
          `implies [${shape.join(', ')}]`,
        { file: weightsPath, tensor: fileName, expected: shape, actual: entry.shape },
      );
    }
    weights.set(name, file.tensor(fileName));
  }
  return { dir, config, weights, fingerprint };
}

/** All three required files at once, so one error names everything that is missing. */
async function assertFilesPresent(dir: string): Promise<void> {
  const isFile = async (p: string) => (await stat(p).catch(() => null))?.isFile() ?? false;
  if (!(await stat(dir).catch(() => null))?.isDirectory()) {
    throw new DeskError('CHECKPOINT_MISSING_FILE', `Checkpoint folder ${dir} does not exist`, { file: dir });
  }
  const missing: string[] = [];
  for (const name of Object.values(checkpointFiles)) {
    if (!(await isFile(join(dir, name)))) missing.push(name);
  }
  if (!missing.length) return;
  const hints = missing.includes(checkpointFiles.weights)
    ? otherFormats.filter(([name]) => existsSync(join(dir, name))).map(([name, hint]) => ` Found ${name}: ${hint}.`)
    : [];
  throw new DeskError(
    'CHECKPOINT_MISSING_FILE',
    `Checkpoint folder ${dir} is missing ${missing.join(', ')}.${hints.join('')}`,
    { file: join(dir, missing[0]), missing },
  );
}

/** Reads a whole file into one buffer in 64 MB chunks, feeding each chunk to `hash` as it arrives. */
async function readHashing(path: string, hash: Hash): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    // allocUnsafeSlow: an own ArrayBuffer at offset 0, so F32 tensors can be aligned views into it.
    const bytes = Buffer.allocUnsafeSlow(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await handle.read(bytes, pos, Math.min(size - pos, 1 << 26), pos);
      if (bytesRead === 0) break; // the file shrank while we read; the parser reports it as truncated
      hash.update(bytes.subarray(pos, pos + bytesRead));
      pos += bytesRead;
    }
    return pos < size ? bytes.subarray(0, pos) : bytes;
  } finally {
    await handle.close();
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
