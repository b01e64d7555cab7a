import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isDeskError } from '../core/errors';
import { cleanup, prose, tempDir, tinyBertDir, writeFiles } from '../core/index/test-kit';
import { run } from './index-cmd';

const root = tempDir('cli');
const docs = join(root, 'docs');
writeFiles(docs, { 'a.txt': prose(1, 8), 'b.md': prose(2, 3), 'empty.txt': '' });
afterAll(() => cleanup(root));
afterEach(() => vi.restoreAllMocks());

/** Runs the command in this process and returns its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const code = await run(args);
  vi.restoreAllMocks();
  return { code, out: lines.join('\n') };
}

const common = ['--window', '64', '--overlap', '16', '--provider', 'cpu', '--threads', '1', '--quiet', '--cache-dir', join(root, 'graphs')];

describe('cli index', () => {
  it('indexes a folder, lists what was not indexed, and prints a summary with bytes per token', async () => {
    const { code, out } = await cli([docs, '--db', join(root, 'db'), '--model', tinyBertDir, '--k', '2', ...common]);
    expect(code).toBe(0);
    expect(out).toContain(`${docs}: 3 documents: 2 done, 0 failed, 1 skipped`);
    expect(out).toMatch(/skipped +.*empty\.txt: skipped: empty file \[EXTRACT_EMPTY\]/);
    expect(out).toMatch(/this run: [\d,]+ tokens encoded, [\d,]+ tokens\/s/);
    expect(out).toContain('128 bytes per stored token'); // fp32 × H 32

    const again = await cli([docs, '--db', join(root, 'db'), '--model', tinyBertDir, '--k', '2', ...common]);
    expect(again.out).toContain('this run: 0 tokens encoded');
  });

  it('works without a model (passage search only) and rejects bad arguments', async () => {
    const { code, out } = await cli([docs, '--db', join(root, 'db-search'), ...common]);
    expect(code).toBe(0);
    expect(out).toContain('no lower states');
    expect((await cli([docs])).code).toBe(2);
    const bad = await run([docs, '--db', join(root, 'db-x'), '--precision', 'fp8']).catch((e: unknown) => e);
    expect(isDeskError(bad, 'BAD_REQUEST')).toBe(true);
  });
});
