import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runRetrievalBench } from './retrieval-bench';

it('indexes SQuAD paragraphs through the store and finds most questions\' own paragraph', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'retrieval-bench-'));
  const lines: string[] = [];
  try {
    const r = await runRetrievalBench({ log: (s) => lines.push(s), workDir, paragraphs: 150 });
    expect(r.paragraphs).toBe(150);
    expect(r.questions).toBeGreaterThan(600);
    expect(r.recallAt1).toBeLessThanOrEqual(r.recallAt5);
    expect(r.recallAt5).toBeLessThanOrEqual(r.recallAt10);
    expect(r.recallAt10).toBeLessThanOrEqual(r.recallAt20);
    // A smaller corpus is easier than the full 2,067 paragraphs (94 / 96 at 5 / 10 there).
    expect(r.recallAt5).toBeGreaterThan(92);
    expect(r.recallAt20).toBeLessThanOrEqual(100);
    expect(lines.join('\n')).toMatch(/recall@1\/5\/10\/20/);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});
