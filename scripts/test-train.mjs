// `npm run test:train`: the training recipe's pytest suite (models/train/tests) in its venv.
// Without the venv (`npm run train:setup` makes it) the suite is skipped, by name, unless
// DEFORMER_REQUIRE_TRAINING=1 (CI), where a missing environment is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const python = join(root, 'models/train/.venv/bin/python');
if (!existsSync(python)) {
  if (process.env.DEFORMER_REQUIRE_TRAINING === '1') {
    console.error(`test:train: ${python} is missing; run \`npm run train:setup\``);
    process.exit(1);
  }
  console.log('test:train: skipped (no models/train/.venv; `npm run train:setup` makes it)');
  process.exit(0);
}
const result = spawnSync(python, ['-m', 'pytest', '-q', 'models/train/tests'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
