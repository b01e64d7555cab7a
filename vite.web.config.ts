import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * The UI for the web shell (`npm run build:web` → out/web). The same renderer the desktop app
 * loads; CSS goes to files (the CSP allows no inline style) and nothing is fetched remotely.
 */
export const rendererRoot = resolve(import.meta.dirname, 'src-renderer');
export const contractAlias = { $contract: resolve(import.meta.dirname, 'src-main/core/contract.ts') };

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte({ configFile: false, emitCss: true, compilerOptions: { css: 'external' } })],
  resolve: { alias: contractAlias },
  build: {
    outDir: resolve(import.meta.dirname, 'out/web'),
    emptyOutDir: true,
    // The polyfill would be an inline script; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
