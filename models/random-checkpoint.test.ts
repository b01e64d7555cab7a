import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src-main/core/model/checkpoint';
import { f16ToF32, f32ToF16 } from '../src-main/core/model/half-float';
import { makeRandomCheckpoint, randomCheckpointPresets, randomModelConfig, randomWeights, type RandomCheckpointOptions } from './random-checkpoint';

const root = mkdtempSync(join(tmpdir(), 'desk-random-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const small = { arch: 'bert', layers: 2, hidden: 32, heads: 4, ffn: 64 } as const;
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const make = (name: string, opts: Omit<RandomCheckpointOptions, 'out'>) => makeRandomCheckpoint({ ...opts, out: join(root, name) });

describe('makeRandomCheckpoint', () => {
  it('writes a checkpoint loadCheckpoint reads back with the generated values', async () => {
    const dir = await make('bert-a', { ...small, seed: 1 });
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.config).toEqual(randomModelConfig(small));
    const generated = randomWeights({ ...small, seed: 1 });
    expect(ckpt.weights.size).toBe(generated.length);
    for (const t of generated) {
      const loaded = ckpt.weights.get(t.name)!;
      expect(loaded.shape).toEqual(t.shape);
      expect(bytesOf(loaded.data).equals(bytesOf(t.data)), t.name).toBe(true); // bitwise, and fast on 1M floats
    }
    expect(readFileSync(join(dir, 'vocab.txt'), 'utf-8').split('\n')[101]).toBe('[CLS]');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf-8')).architectures).toEqual(['BertForQuestionAnswering']);
  });

  it('initialises like HF: N(0, 0.02) matrices, [PAD] row zero, LayerNorm 1/0, zero biases', async () => {
    const w = new Map(randomWeights({ ...small, seed: 7 }).map((t) => [t.name, t.data]));
    const emb = w.get('bert.embeddings.word_embeddings.weight')!;
    expect(emb.subarray(0, 32).every((v) => v === 0)).toBe(true);
    const rest = emb.subarray(32);
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const std = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeGreaterThan(0.0195);
    expect(std).toBeLessThan(0.0205);
    expect(w.get('bert.encoder.layer.1.output.LayerNorm.weight')!.every((v) => v === 1)).toBe(true);
    expect(w.get('bert.encoder.layer.1.output.LayerNorm.bias')!.every((v) => v === 0)).toBe(true);
    expect(w.get('bert.encoder.layer.0.intermediate.dense.bias')!.every((v) => v === 0)).toBe(true);
    // Each tensor has its own stream: query and key weights differ.
    expect(w.get('bert.encoder.layer.0.attention.self.query.weight')![0]).not.toBe(w.get('bert.encoder.layer.0.attention.self.key.weight')![0]);
  });

  it('is deterministic: the same seed gives the same fingerprint, another seed another', async () => {
    const a = await loadCheckpoint(await make('bert-a2', { ...small, seed: 1 }));
    const again = await loadCheckpoint(await make('bert-a', { ...small, seed: 1 })); // overwrites in place
    const other = await loadCheckpoint(await make('bert-b', { ...small, seed: 2 }));
    expect(again.fingerprint).toBe(a.fingerprint);
    expect(other.fingerprint).not.toBe(a.fingerprint);
    expect(other.weights.get('qa_outputs.weight')!.data).not.toEqual(a.weights.get('qa_outputs.weight')!.data);
  });

  it('writes DistilBERT in F16', async () => {
    const opts = { ...small, arch: 'distilbert', seed: 3, dtype: 'F16' } as const;
    const ckpt = await loadCheckpoint(await make('distil-f16', opts));
    expect(ckpt.config).toMatchObject({ arch: 'distilbert', layers: 2, hidden: 32, typeVocabSize: 0 });
    expect(ckpt.weights.size).toBe(2 * 16 + 4 + 2);
    const lin1 = randomWeights(opts).find((t) => t.name === 'distilbert.transformer.layer.1.ffn.lin1.weight')!;
    expect(ckpt.weights.get(lin1.name)!.data).toEqual(f16ToF32(f32ToF16(lin1.data)));
  });

  it('has the benchmark presets', () => {
    expect(randomCheckpointPresets['bert-base']).toEqual({ arch: 'bert', layers: 12, hidden: 768, heads: 12, ffn: 3072 });
    expect(randomCheckpointPresets['distilbert-base']).toEqual({ arch: 'distilbert', layers: 6, hidden: 768, heads: 12, ffn: 3072 });
  });
});
