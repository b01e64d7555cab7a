import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../core/testing/paths';

/** Every script answers --help with its usage and exit code 0, and a typo with the usage and 2: never a stack trace. */
const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = (script: string, ...args: string[]) => spawnSync(process.execPath, [tsx, join(repoRoot, script), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

it.each([
  ['models/make-random-checkpoint.ts', /^usage: npm run make-checkpoint -- .*--deformer-k K/m],
  ['src-main/bench/bench.ts', /^usage: npm run bench -- .*--answer/m],
  ['src-main/cli.ts', /^usage: npm run cli -- <command>.*\n[^]*ask .*--upper-weights/m],
])('%s --help prints its usage', (script, usage) => {
  const result = run(script, '--help');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(usage);
  expect(result.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
});

it.each(['models/make-random-checkpoint.ts', 'src-main/bench/bench.ts'])('%s refuses an unknown flag with the usage, no stack trace', (script) => {
  const result = run(script, '--no-such-flag');
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/Unknown option '--no-such-flag'[^]*usage:/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

it('cli ask --help lists --upper-weights and says --top counts passages', () => {
  const result = run('src-main/cli.ts', 'ask', '--help');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/--upper-weights/);
  expect(result.stdout).toMatch(/--top N\s+passages retrieved and read/);
});

it('npm runs scripts without config warnings (onnxruntime-node stays CPU-only through package.json allowScripts, not .npmrc)', () => {
  const result = spawnSync('npm', ['run', '-s', 'cli', '--', '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  expect(result.status).toBe(0);
  expect(result.stderr).not.toMatch(/npm warn/i);
});
