import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadSquad } from '../core/eval/squad-data';
import { squadDevPath, tinyBertDir } from '../core/testing/paths';
import { benchModel } from './answer-bench';

it('measures asks over a library of real passages and reuses the library', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'answer-bench-'));
  try {
    const dataset = loadSquad(squadDevPath);
    const plan = { model: 'tiny-bert', checkpointDir: tinyBertDir, k: 2, libraryPassages: 120, passagesPerQuestion: [1, 4], questions: 3, warmup: 1 };
    const lines: string[] = [];
    const rows = await benchModel(plan, dataset, workDir, (l) => lines.push(l));
    expect(lines[0]).toMatch(/building a 120-passage int8 library/);
    expect(rows.map((r) => r.passages)).toEqual([1, 4]);
    for (const r of rows) {
      expect(r).toMatchObject({ model: 'tiny-bert', k: 2, questions: 3, precision: 'int8' });
      expect(r.libraryPassages).toBeGreaterThanOrEqual(120);
      expect(r.fullMs).toBeGreaterThan(0);
      expect(r.deformerMs).toBeGreaterThan(0);
      expect(r.deformerMs).toBeGreaterThanOrEqual(r.upperMs);
      expect(r.cacheReadMs).toBeGreaterThan(0);
      expect(r.cacheReadPercent).toBeGreaterThan(0);
      expect(r.cacheReadPercent).toBeLessThan(100);
    }
    lines.length = 0;
    const again = await benchModel({ ...plan, passagesPerQuestion: [1] }, dataset, workDir, (l) => lines.push(l));
    expect(lines.some((l) => l.includes('building'))).toBe(false);
    expect(again[0].libraryPassages).toBe(rows[0].libraryPassages);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});
