/**
 * The training recipe's Python environment, for the tests that check the TypeScript engine
 * against it. `npm run train:setup` makes it; CI (.ci/run) does too and sets
 * DEFORMER_REQUIRE_TRAINING=1, so there a missing environment fails instead of skipping.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const trainDir = resolve(import.meta.dirname);
export const trainPython = join(trainDir, '.venv/bin/python');
export const splitFile = join(trainDir, 'split.json');
export { builtinModelDir } from '../builtin';

/** Whether the Python side can run here; throws where it must (CI) but cannot. */
export function trainingAvailable(): boolean {
  if (existsSync(trainPython)) return true;
  if (process.env.DEFORMER_REQUIRE_TRAINING === '1') {
    throw new Error(`${trainPython} is missing: run \`npm run train:setup\` (DEFORMER_REQUIRE_TRAINING=1 is set)`);
  }
  return false;
}

/** Runs `python -m deformer_train <args>` from models/train; throws with its output on failure. */
export function runTraining(args: string[]): void {
  execFileSync(trainPython, ['-m', 'deformer_train', ...args], {
    cwd: trainDir,
    env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}
