import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { isDeskError } from '../core/errors';
import { tinyBertDir } from '../core/testing/paths';
import { run } from './eval-squad';

it('evaluates the first N questions and writes the official answers file and the metrics', async () => {
  const root = mkdtempSync(join(tmpdir(), 'eval-squad-cli-'));
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const out = join(root, 'answers.json');
    expect(await run(['--model', tinyBertDir, '--k', '2', '--limit', '6', '--out', out, '--cache-dir', root])).toBe(0);
    const answers = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(answers)).toHaveLength(6);
    for (const v of Object.values(answers)) expect(typeof v).toBe('string');
    const metrics = JSON.parse(readFileSync(join(root, 'answers.metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ setting: 'closed', mode: 'deformer', k: 2, questions: 6 });
    expect(metrics.f1).toBeGreaterThanOrEqual(metrics.exactMatch);
    expect(lines.join('\n')).toMatch(/questions 6 {3}EM [\d.]+ {3}F1 [\d.]+\nlatency per question: median [\d.]+ ms, p90 [\d.]+ ms/);
    const bad = await run(['--model', tinyBertDir, '--mode', 'fast']).catch((e: unknown) => e);
    expect(isDeskError(bad, 'BAD_REQUEST')).toBe(true);
  } finally {
    log.mockRestore();
    err.mockRestore();
    rmSync(root, { recursive: true, force: true });
  }
});
