// `npm start`: the desktop app where Electron is installed; otherwise the same UI in the browser
// through the loopback web shell (Electron is an optional dependency: its binary download can
// fail, e.g. offline, and the app must still start). Arguments pass through:
//   npm start -- --library DIR --models DIR
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const args = process.argv.slice(2);

/** The Electron binary, or why there is none. */
function electronBinary() {
  try {
    require.resolve('electron/package.json');
  } catch {
    return { why: 'the electron package is not installed' };
  }
  try {
    // The package's main export is the binary's path; it throws when the download never happened.
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? { binary } : { why: 'its binary is missing' };
  } catch (err) {
    return { why: `its binary could not be found (${err.message.split('\n')[0]})` };
  }
}

function runNode(script, scriptArgs) {
  const result = spawnSync(process.execPath, [script, ...scriptArgs], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Starts a long-running child; Ctrl-C reaches it through the shared terminal, and its exit code becomes ours. */
function runUntilExit(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
if (electron.binary) {
  runNode(join(root, 'scripts', 'electron-vite.mjs'), ['build']);
  runUntilExit(electron.binary, ['.', ...args]);
} else {
  console.log(`Electron is not installed here (its binary could not be downloaded: ${electron.why}): starting the web shell instead`);
  runNode(join(root, 'node_modules', 'vite', 'bin', 'vite.js'), ['build', '--config', 'vite.web.config.ts', '--logLevel', 'warn']);
  runUntilExit(process.execPath, ['--import', 'tsx', join(root, 'src-main', 'web', 'serve.ts'), ...args]);
}
