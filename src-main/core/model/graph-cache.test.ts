import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { Engine } from './engine';
import { cachedGraphFiles, ensureGraphs, graphCacheDir, GRAPH_BUILDER_VERSION } from './graph-cache';
import { hfLayerNames } from './onnx/hf-names';
import { W, type WeightTable } from './onnx/weight-table';
import type { Checkpoint } from './types';

describe('graph cache', () => {
  let checkpoint: Checkpoint;
  let cacheDir: string;
  beforeAll(async () => {
    checkpoint = await loadCheckpoint(tinyBertDir);
    cacheDir = mkdtempSync(join(tmpdir(), 'graph-cache-'));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  const mtimes = (dir: string, files: string[]) => files.map((f) => statSync(join(dir, f)).mtimeMs);

  it('writes weights once and graphs beside them; a second open with the same fingerprint and k rebuilds nothing', async () => {
    const first = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1 });
    await first.close();
    const dir = graphCacheDir(cacheDir, checkpoint.fingerprint);
    const graphs = ['ask-k2.onnx', 'full.onnx', 'lower-k2.onnx', 'upper-k2.onnx'];
    expect(first.builtGraphs.map((p) => p.slice(dir.length + 1)).sort()).toEqual(graphs);
    expect(cachedGraphFiles(cacheDir, checkpoint.fingerprint)).toEqual(graphs);
    const files = ['weights.bin', 'manifest.json', ...graphs];
    const before = mtimes(dir, files);
    // Graph files stay small: the weights are external.
    expect(statSync(join(dir, 'lower-k2.onnx')).size).toBeLessThan(64 * 1024);
    expect(statSync(join(dir, 'weights.bin')).size).toBeGreaterThan(4 * 1_000_000);

    const second = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', threads: 1 });
    expect(second.builtGraphs).toEqual([]);
    expect(mtimes(dir, files)).toEqual(before);
    const [states] = await second.lowerPass([{ ids: [101, 7592, 102], tokenTypes: 0, positionStart: 0 }]);
    expect(states.data.every(Number.isFinite)).toBe(true);
    await second.close();

    // Another k adds its graphs and reuses the weights file.
    const other = ensureGraphs(checkpoint, cacheDir, [{ kind: 'lower', k: 3 }, { kind: 'upper', k: 2 }]);
    expect(other.map((g) => g.built)).toEqual([true, false]);
    expect(mtimes(dir, ['weights.bin'])).toEqual(before.slice(0, 1));
  });

  it('stores Linear weights transposed and Q/K/V fused at the offsets the manifest records', () => {
    const dir = graphCacheDir(cacheDir, checkpoint.fingerprint);
    ensureGraphs(checkpoint, cacheDir, [{ kind: 'full' }]);
    const table = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf-8')) as { weights: WeightTable }).weights;
    const bin = readFileSync(join(dir, 'weights.bin'));
    const read = (name: string) => {
      const e = table.entries[name];
      expect(e.offset % 4096).toBe(0);
      return new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length));
    };
    const H = checkpoint.config.hidden;
    const qkv = read(W.layer(1, 'qkv.w')); // [H, 3H]
    const names = hfLayerNames('bert', 1);
    const key = checkpoint.weights.get(`${names.key}.weight`)!.data; // [out H, in H]
    for (const [i, o] of [[0, 0], [3, 7], [H - 1, H - 1]]) expect(qkv[i * 3 * H + H + o]).toBe(key[o * H + i]);
    expect(Array.from(read(W.headB))).toEqual(Array.from(checkpoint.weights.get('qa_outputs.bias')!.data));
  });

  it('rebuilds everything when the manifest comes from another builder version or is damaged', () => {
    const dir = graphCacheDir(cacheDir, checkpoint.fingerprint);
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf-8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, builderVersion: GRAPH_BUILDER_VERSION - 1 }));
    const rebuilt = ensureGraphs(checkpoint, cacheDir, [{ kind: 'lower', k: 2 }]);
    expect(rebuilt[0].built).toBe(true);
    // The stale folder's other graphs are gone with it: they may point at an old weight layout.
    expect(cachedGraphFiles(cacheDir, checkpoint.fingerprint)).toEqual(['lower-k2.onnx']);

    writeFileSync(manifestPath, '{"builderVer');
    expect(ensureGraphs(checkpoint, cacheDir, [{ kind: 'lower', k: 2 }])[0].built).toBe(true);
    expect(JSON.parse(readFileSync(manifestPath, 'utf-8')).builderVersion).toBe(GRAPH_BUILDER_VERSION);
  });

  it('keeps checkpoints with different fingerprints apart', () => {
    const twin: Checkpoint = { ...checkpoint, fingerprint: 'f'.repeat(64) };
    expect(ensureGraphs(twin, cacheDir, [{ kind: 'lower', k: 2 }])[0].built).toBe(true);
    expect(cachedGraphFiles(cacheDir, checkpoint.fingerprint)).toContain('lower-k2.onnx');
  });
});
