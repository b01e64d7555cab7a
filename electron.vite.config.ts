import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

/**
 * The desktop app (`npm run build` → out/): main (the window shell), the backend process it starts
 * as a utilityProcess (the service), the indexer process the backend forks, and the engine thread
 * both run ONNX Runtime in; the preload bridge; the same renderer as the web shell. Run through scripts/electron-vite.mjs, which names the Electron version when the
 * electron package could not be installed.
 */
const root = import.meta.dirname;
const contract = resolve(root, 'src-main/core/contract.ts');

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          // The backend process (a utilityProcess running the DeskService) and the indexer process it forks.
          backend: resolve(root, 'src-main/core/backend/backend-process.ts'),
          'indexer-process': resolve(root, 'src-main/core/index/process/indexer-process.ts'),
          // The engine threads of the indexer and the reader (model/thread/engine-thread.ts looks for it beside the entries).
          'engine-thread-worker': resolve(root, 'src-main/core/model/thread/engine-thread-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload cannot require packages: bundle everything (zod comes with the contract), as CommonJS.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    base: './',
    resolve: { alias: { $contract: contract } },
    plugins: [svelte({ configFile: false, emitCss: true, compilerOptions: { css: 'external' } })],
    build: {
      outDir: resolve(root, 'out/renderer'),
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      rolldownOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
