import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { loadCheckpoint, weightNames } from './checkpoint';
import { f32ToBf16 } from './half-float';
import { readSafetensors, writeSafetensors, type TensorToWrite } from './safetensors';
import { copyCheckpoint, encodeSafetensors, rawF32 } from './safetensors-test-util';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A writable copy of a golden checkpoint, altered by `edit(dir)`. */
function variant(from: string, edit: (dir: string) => void): string {
  const dir = copyCheckpoint(from);
  made.push(dir);
  edit(dir);
  return dir;
}

const editConfig = (dir: string, change: (cfg: Record<string, unknown>) => void) => {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf-8'));
  change(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
};

/** Rewrites model.safetensors from the golden tensors through `map` (return null to drop one). */
const editWeights = (dir: string, map: (t: TensorToWrite) => TensorToWrite | null) => {
  const tensors = [...readSafetensors(join(dir, 'model.safetensors'))].map(([name, t]) =>
    map({ name, dtype: 'F32', shape: t.shape, data: t.data }),
  );
  writeSafetensors(join(dir, 'model.safetensors'), tensors.filter((t) => t !== null));
};

async function refusal(dir: string, code: string): Promise<string> {
  const err = await loadCheckpoint(dir).then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDeskError(err)) throw new Error(`expected ${code}, got ${String(err)}`);
  expect(err.code).toBe(code);
  return err.message;
}

describe.each([
  ['BERT', tinyBertDir, 'bert', 71, 'bert.encoder.layer.3.output.dense.weight', [32, 64]],
  ['DistilBERT', tinyDistilBertDir, 'distilbert', 70, 'distilbert.transformer.layer.3.ffn.lin2.weight', [32, 64]],
] as const)('loadCheckpoint(golden %s)', (_label, dir, arch, count, probe, probeShape) => {
  it('gives the config, every expected tensor with its shape, and file values', async () => {
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.dir).toBe(dir);
    expect(ckpt.config).toMatchObject({ arch, layers: 4, hidden: 32, heads: 4, intermediate: 64, vocabSize: 30522 });
    expect(ckpt.weights.size).toBe(count);
    for (const { name, shape } of weightNames(ckpt.config)) expect(ckpt.weights.get(name)?.shape).toEqual(shape);
    expect(ckpt.weights.get(probe)!.shape).toEqual(probeShape);

    const bytes = readFileSync(join(dir, 'model.safetensors'));
    for (const name of [probe, 'qa_outputs.weight', `${arch}.embeddings.word_embeddings.weight`]) {
      const data = ckpt.weights.get(name)!.data;
      for (const i of [0, 1, data.length >> 1, data.length - 1]) expect(data[i]).toBe(rawF32(bytes, name, i));
    }
  });

  it('fingerprints sha256(config.json ‖ model.safetensors)', async () => {
    const hash = createHash('sha256');
    hash.update(readFileSync(join(dir, 'config.json')));
    hash.update(readFileSync(join(dir, 'model.safetensors')));
    expect((await loadCheckpoint(dir)).fingerprint).toBe(hash.digest('hex'));
  });
});

describe('loadCheckpoint with other encodings', () => {
  it('reads F16 weights, widened to the nearest half of the original', async () => {
    const dir = variant(tinyBertDir, (d) => editWeights(d, (t) => ({ ...t, dtype: 'F16' })));
    const half = await loadCheckpoint(dir);
    const full = await loadCheckpoint(tinyBertDir);
    expect(half.weights.size).toBe(71);
    expect(half.fingerprint).not.toBe(full.fingerprint);
    for (const [name, t] of full.weights) {
      const h = half.weights.get(name)!.data;
      t.data.forEach((v, i) => {
        if (Math.abs(h[i] - v) > Math.abs(v) * 2 ** -11 + 2 ** -25) throw new Error(`${name}[${i}]: ${v} → ${h[i]}`);
      });
    }
  });

  it('reads hand-encoded BF16 weights, old Hub names, int64 position_ids and a pooler', async () => {
    const golden = readSafetensors(join(tinyBertDir, 'model.safetensors'));
    const dir = variant(tinyBertDir, (d) => {
      const tensors = [...golden].map(([name, t]) => ({
        // Old TF-converted checkpoints: LayerNorm gamma/beta; base weights saved without the `bert.` prefix.
        name: name.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
        dtype: 'BF16',
        shape: t.shape,
        bytes: new Uint8Array(f32ToBf16(t.data).buffer),
      }));
      tensors.push({ name: 'embeddings.position_ids', dtype: 'I64', shape: [1, 512], bytes: new Uint8Array(8 * 512) });
      tensors.push({ name: 'pooler.dense.weight', dtype: 'BF16', shape: [32, 32], bytes: new Uint8Array(2 * 32 * 32) });
      writeFileSync(join(d, 'model.safetensors'), encodeSafetensors(tensors));
    });
    const ckpt = await loadCheckpoint(dir);
    expect([...ckpt.weights.keys()].sort()).toEqual([...golden.keys()].sort());
    const gamma = ckpt.weights.get('bert.encoder.layer.2.output.LayerNorm.weight')!.data;
    const original = golden.get('bert.encoder.layer.2.output.LayerNorm.weight')!.data;
    gamma.forEach((v, i) => expect(Math.abs(v - original[i])).toBeLessThanOrEqual(Math.abs(original[i]) * 2 ** -8));
  });
});

describe('loadCheckpoint refuses bad folders with a code and the file or field', () => {
  it.each(['config.json', 'model.safetensors', 'tokenizer.json'])('missing %s → CHECKPOINT_MISSING_FILE', async (file) => {
    const dir = variant(tinyBertDir, (d) => rmSync(join(d, file)));
    const message = await refusal(dir, 'CHECKPOINT_MISSING_FILE');
    expect(message).toContain(dir);
    expect(message).toContain(`missing ${file}`);
  });

  it('names every missing file and says what to do with a pytorch_model.bin', async () => {
    const dir = variant(tinyBertDir, (d) => {
      rmSync(join(d, 'model.safetensors'));
      rmSync(join(d, 'tokenizer.json'));
      writeFileSync(join(d, 'pytorch_model.bin'), 'x');
    });
    const message = await refusal(dir, 'CHECKPOINT_MISSING_FILE');
    expect(message).toMatch(/missing model\.safetensors, tokenizer\.json\. Found pytorch_model\.bin: convert/);
  });

  it('a folder that does not exist → CHECKPOINT_MISSING_FILE', async () => {
    expect(await refusal('/nonexistent/desk-model', 'CHECKPOINT_MISSING_FILE')).toContain('/nonexistent/desk-model');
  });

  it('a config whose hidden_size disagrees with the weights → CHECKPOINT_SHAPE_MISMATCH', async () => {
    const dir = variant(tinyBertDir, (d) => editConfig(d, (c) => (c.hidden_size = 64)));
    const message = await refusal(dir, 'CHECKPOINT_SHAPE_MISMATCH');
    expect(message).toContain(join(dir, 'model.safetensors'));
    expect(message).toContain('"bert.embeddings.word_embeddings.weight" has shape [30522, 32]');
    expect(message).toContain('implies [30522, 64]');
  });

  it('a DistilBERT config with fewer layers than the file → CHECKPOINT_SHAPE_MISMATCH naming n_layers', async () => {
    const dir = variant(tinyDistilBertDir, (d) => editConfig(d, (c) => (c.n_layers = 3)));
    expect(await refusal(dir, 'CHECKPOINT_SHAPE_MISMATCH')).toMatch(/layer 3, but .*config\.json field "n_layers" is 3/);
  });

  it('a truncated model.safetensors → CHECKPOINT_BAD_WEIGHTS', async () => {
    const dir = variant(tinyBertDir, (d) => {
      const path = join(d, 'model.safetensors');
      writeFileSync(path, readFileSync(path).subarray(0, 2_000_000));
    });
    const message = await refusal(dir, 'CHECKPOINT_BAD_WEIGHTS');
    expect(message).toContain(join(dir, 'model.safetensors'));
    expect(message).toMatch(/truncated/);
  });

  it('a header that is not JSON → CHECKPOINT_BAD_WEIGHTS', async () => {
    const dir = variant(tinyBertDir, (d) => {
      const path = join(d, 'model.safetensors');
      const bytes = readFileSync(path);
      bytes.write('!!', 8);
      writeFileSync(path, bytes);
    });
    expect(await refusal(dir, 'CHECKPOINT_BAD_WEIGHTS')).toMatch(/model\.safetensors: header is not valid JSON/);
  });

  it('config.json that is not JSON → CHECKPOINT_BAD_CONFIG', async () => {
    const dir = variant(tinyBertDir, (d) => writeFileSync(join(d, 'config.json'), '{"model_type": "bert",'));
    expect(await refusal(dir, 'CHECKPOINT_BAD_CONFIG')).toContain(join(dir, 'config.json'));
  });

  it('an unknown architecture → CHECKPOINT_UNKNOWN_ARCHITECTURE', async () => {
    const dir = variant(tinyBertDir, (d) =>
      editConfig(d, (c) => {
        c.model_type = 'electra';
        c.architectures = ['ElectraForQuestionAnswering'];
      }),
    );
    const message = await refusal(dir, 'CHECKPOINT_UNKNOWN_ARCHITECTURE');
    expect(message).toContain(join(dir, 'config.json'));
    expect(message).toContain('ElectraForQuestionAnswering');
  });

  it('no qa_outputs (a masked-LM or base model) → CHECKPOINT_NO_SPAN_HEAD', async () => {
    const dir = variant(tinyDistilBertDir, (d) => {
      editWeights(d, (t) => (t.name.startsWith('qa_outputs.') ? null : t));
      editConfig(d, (c) => (c.architectures = ['DistilBertForMaskedLM']));
    });
    const message = await refusal(dir, 'CHECKPOINT_NO_SPAN_HEAD');
    expect(message).toContain(join(dir, 'model.safetensors'));
    expect(message).toContain('qa_outputs.weight, qa_outputs.bias');
    expect(message).toContain('"architectures" is ["DistilBertForMaskedLM"]');
  });

  it('a missing layer tensor → CHECKPOINT_BAD_WEIGHTS naming it', async () => {
    const gone = 'bert.encoder.layer.1.attention.self.key.bias';
    const dir = variant(tinyBertDir, (d) => editWeights(d, (t) => (t.name === gone ? null : t)));
    expect(await refusal(dir, 'CHECKPOINT_BAD_WEIGHTS')).toContain(`missing tensors for a bert model as ${join(dir, 'config.json')} describes it: ${gone}`);
  });

  it('the same weight under its old and new name → CHECKPOINT_BAD_WEIGHTS', async () => {
    const dir = variant(tinyBertDir, (d) => {
      const tensors = [...readSafetensors(join(d, 'model.safetensors'))].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data }));
      const ln = tensors.find((t) => t.name === 'bert.embeddings.LayerNorm.weight')!;
      writeSafetensors(join(d, 'model.safetensors'), [...tensors, { ...ln, name: 'bert.embeddings.LayerNorm.gamma' }]);
    });
    expect(await refusal(dir, 'CHECKPOINT_BAD_WEIGHTS')).toMatch(/"bert\.embeddings\.LayerNorm\.gamma" and "bert\.embeddings\.LayerNorm\.weight" are the same weight/);
  });

  it('an int tensor where a weight belongs → CHECKPOINT_BAD_WEIGHTS', async () => {
    const dir = variant(tinyBertDir, (d) => {
      const tensors = [...readSafetensors(join(d, 'model.safetensors'))].map(([name, t]) => ({
        name,
        dtype: name === 'qa_outputs.bias' ? 'I32' : 'F32',
        shape: t.shape,
        bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      }));
      writeFileSync(join(d, 'model.safetensors'), encodeSafetensors(tensors));
    });
    expect(await refusal(dir, 'CHECKPOINT_BAD_WEIGHTS')).toMatch(/"qa_outputs\.bias" has dtype I32/);
  });
});
