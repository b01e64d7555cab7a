import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSquad } from '../core/eval/squad-data';
import { squadDevPath, tinyBertDir } from '../core/testing/paths';
import { measureIndexing } from './index-bench';

/** The index bench end to end on the tiny golden BERT (H 32): real files, child indexer, LMDB, ONNX Runtime. */
const root = mkdtempSync(join(tmpdir(), 'desk-index-bench-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('measureIndexing', () => {
  it('indexes the generated corpus, matches the raw windows and sizes each precision from its store', async () => {
    const lines: string[] = [];
    const r = await measureIndexing({
      checkpointDir: tinyBertDir,
      k: 2,
      cacheDir: join(root, 'graphs'),
      dir: join(root, 'bench'),
      paragraphs: loadSquad(squadDevPath).paragraphs.slice(0, 60),
      documentTokens: 2_000,
      subsetEvery: 3,
      parts: 2,
      settings: { windowTokens: 48, overlapTokens: 8, batchSize: 4 },
      threads: 1,
      log: (line) => lines.push(line),
    });
    const files = ['part-0', 'part-1'].flatMap((part) => readdirSync(join(root, 'bench/corpus', part)));
    expect(new Set(files.map((f) => f.split('.').pop()))).toEqual(new Set(['txt', 'md', 'html']));
    expect(r.documents).toBe(files.length);
    expect(r.passages).toBeGreaterThan(r.documents);
    expect(r.documentTokens).toBeGreaterThanOrEqual(2_000);
    // Windows overlap, so more tokens go through the lower pass than the documents hold.
    expect(r.storedTokens).toBeGreaterThan(r.documentTokens);
    // fp32 4H, fp16 2H, int8 H codes + one fp32 scale per token (H = 32).
    expect(r.bytesPerToken).toEqual({ fp32: 128, fp16: 64, int8: 36 });
    for (const p of ['fp32', 'fp16', 'int8'] as const) expect(r.bytesPerDocumentToken[p]).toBeGreaterThan(r.bytesPerToken[p]);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(r.rawLowerTokensPerSecond).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.tokensPerSecond / r.rawLowerTokensPerSecond, 2);
    expect(lines.some((l) => l.startsWith('ratio '))).toBe(true);
  }, 120_000);
});
