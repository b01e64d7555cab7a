// Runs electron-vite (build / dev / preview). electron-vite reads the Electron version from the
// installed electron package to pick its build targets; where the package could not be installed
// (no binary download possible), we name the pinned major version instead.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const env = { ...process.env };
try {
  require.resolve('electron/package.json');
} catch {
  const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies.electron;
  env.ELECTRON_MAJOR_VER ??= String(pinned).replace(/^[^\d]*/, '').split('.')[0] || '41';
}
const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
