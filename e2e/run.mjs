// `npm run e2e`: builds the web UI when it is missing or older than its sources, then runs the
// end-to-end suite (vitest.e2e.config.ts). Chromium comes from the system (/usr/bin/chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const built = join(root, 'out', 'web', 'index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const sources = Math.max(newestMtime(join(root, 'src-renderer')), statSync(join(root, 'src-main', 'core', 'contract.ts')).mtimeMs);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.log('e2e: building the web UI (out/web)');
  run([join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn']);
}
const vitest = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)];
// Electron needs a display; where there is none but xvfb is installed (CI), give it a virtual one.
const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && hasElectron();
if (needsDisplay && spawnSync('xvfb-run', ['--help'], { stdio: 'ignore' }).status === 0) {
  const result = spawnSync('xvfb-run', ['-a', process.execPath, ...vitest], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
run(vitest);

function hasElectron() {
  try {
    const binary = createRequire(join(root, 'package.json'))('electron');
    return typeof binary === 'string' && existsSync(binary);
  } catch {
    return false;
  }
}
