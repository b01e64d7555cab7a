// Gives TypeScript the Electron API types whether or not Electron itself installed.
// Electron is an optional dependency: on a machine that cannot download its binary
// npm drops the package whole, types included, yet `npm test` must still type-check
// the Electron shell. We copy electron.d.ts from the installed package, or take it
// from the registry tarball of the pinned version (no binary, no install script).
// Never fails the install: a missing type file is reported by `npm run typecheck`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const target = join(root, 'node_modules', '.electron-types', 'electron.d.ts');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies.electron;
const installed = join(root, 'node_modules', 'electron', 'electron.d.ts');

try {
  mkdirSync(join(target, '..'), { recursive: true });
  if (existsSync(installed)) {
    copyFileSync(installed, target);
  } else if (!existsSync(target) || !readFileSync(target, 'utf8').includes(`Type definitions for Electron ${pinned}`)) {
    const tmp = mkdtempSync(join(tmpdir(), 'electron-types-'));
    try {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const out = execFileSync(npm, ['pack', `electron@${pinned}`, '--pack-destination', tmp, '--silent'], {
        cwd: tmp, encoding: 'utf8', shell: process.platform === 'win32',
      }).trim().split('\n').pop();
      execFileSync('tar', ['-xzf', join(tmp, out), '-C', tmp, 'package/electron.d.ts']);
      copyFileSync(join(tmp, 'package', 'electron.d.ts'), target);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  console.log(`electron types: ${existsSync(installed) ? 'from the installed package' : `from electron@${pinned} (binary not installed)`}`);
} catch (err) {
  console.warn(`electron types: could not fetch electron.d.ts (${err.message}); the Electron shell will not type-check`);
}
