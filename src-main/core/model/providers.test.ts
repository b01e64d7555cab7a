import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { Engine, type SequenceInput } from './engine';
import { maxAbsDiff, readGolden, sameBits } from './golden-fixtures';
import { hasVulkanLoader, vulkanSearchDirs } from './providers';
import type { Checkpoint, ProviderName, SpanLogits } from './types';

describe('execution providers', () => {
  let checkpoint: Checkpoint;
  let cacheDir: string;
  const c = readGolden(tinyBertDir).cases[0];
  const question: SequenceInput = { ids: c.deformer.question_segment.input_ids, tokenTypes: 0, positionStart: 0 };
  const passage: SequenceInput = { ids: c.deformer.passage_segment.input_ids, tokenTypes: 1, positionStart: 0 };
  let cpuLogits: SpanLogits;

  async function run(provider: ProviderName) {
    const logs: string[] = [];
    const engine = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider, threads: 1, log: (l) => logs.push(l) });
    try {
      const [q, p] = await engine.lowerPass([question, passage]);
      const [logits] = await engine.upperPass(q, [p]);
      return { provider: engine.provider, logits, logs };
    } finally {
      await engine.close();
    }
  }

  beforeAll(async () => {
    checkpoint = await loadCheckpoint(tinyBertDir);
    cacheDir = mkdtempSync(join(tmpdir(), 'providers-'));
    const cpu = await run('cpu');
    expect(cpu.provider).toEqual({ name: 'cpu', reason: 'requested' });
    expect(cpu.logs).toEqual([]); // explicit CPU tries nothing else
    cpuLogits = cpu.logits;
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it.each<ProviderName>(['auto', 'cuda', 'webgpu', 'dml', 'coreml'])('%s ends on a working provider with a reason, same results', async (name) => {
    const { provider, logits, logs } = await run(name);
    expect(provider.reason.length).toBeGreaterThan(0);
    if (provider.name === 'cpu') {
      // Fell back: each provider tried is named with why it failed, and the fallback was logged.
      if (name !== 'auto') expect(provider.reason).toMatch(new RegExp(`^${name}: \\S`));
      expect(logs.join('\n')).toContain(provider.reason);
      expect(sameBits(logits.start, cpuLogits.start)).toBe(true);
      expect(sameBits(logits.end, cpuLogits.end)).toBe(true);
    } else {
      // A machine with that GPU: different kernels, same model.
      expect(maxAbsDiff(logits.start, cpuLogits.start)).toBeLessThan(1e-3);
    }
  });

  it('explains a missing CUDA provider library by name', async () => {
    const { provider } = await run('cuda');
    if (provider.name === 'cpu') expect(provider.reason).toMatch(/^cuda: .*(onnxruntime_providers_cuda|Failed)/);
  });

  it('auto skips WebGPU quietly where Linux has no Vulkan loader (Dawn would print a warning on every load)', async () => {
    const { provider } = await run('auto');
    expect(provider.name).toBe('cpu');
    if (process.platform === 'linux' && !hasVulkanLoader()) expect(provider.reason).toContain('webgpu: libvulkan.so.1 not found');
  });

  it('finds the Vulkan loader in the loader search path only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vulkan-'));
    try {
      expect(hasVulkanLoader([dir])).toBe(false);
      writeFileSync(join(dir, 'libvulkan.so.1'), '');
      expect(hasVulkanLoader(['/nonexistent', dir])).toBe(true);
      expect(vulkanSearchDirs({ LD_LIBRARY_PATH: `${dir}:/x` }).slice(0, 2)).toEqual([dir, '/x']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
