import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './testing/paths';

/**
 * The import table from ARCHITECTURE.md, enforced: a file's folder says where it runs.
 *   src-main/core      plain Node: never electron, never a shell or the renderer
 *   src-main/web       Node: may import core, never electron
 *   src-main/electron  may import core and electron, never web
 *   src-renderer       browser: never Node built-ins or electron; only core/contract from main
 * and where code runs inside core (ARCHITECTURE.md#processes-and-threads):
 *   core/model/thread  the engine thread's entry runs an Engine only: never the service, the store or the index
 *   core/eval          the SQuAD harness: the answer path, the service and the backend never import it
 */
const importRe = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.(ts|svelte|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3]).filter(Boolean);
}

const nodeBuiltin = /^(node:|fs$|path$|os$|child_process$|worker_threads$|http$|https$|net$|crypto$|url$|stream$)/;

function violations(folder: string, isForbidden: (spec: string) => boolean): string[] {
  const root = join(repoRoot, folder);
  const found: string[] = [];
  for (const file of sourceFiles(root)) {
    for (const spec of importsOf(file)) {
      if (isForbidden(spec)) found.push(`${relative(repoRoot, file)} imports "${spec}"`);
    }
  }
  return found;
}

describe('architecture: who may import what (see ARCHITECTURE.md)', () => {
  it('src-main/core never imports electron or a shell', () => {
    expect(violations('src-main/core', (s) => s === 'electron' || s.startsWith('electron/') || /\/(electron|web)\//.test(s) || s.includes('src-renderer'))).toEqual([]);
  });

  it('src-main/web never imports electron', () => {
    expect(violations('src-main/web', (s) => s === 'electron' || s.includes('/electron/'))).toEqual([]);
  });

  it('src-renderer never imports Node built-ins, electron, or main code other than the contract', () => {
    expect(
      violations('src-renderer', (s) => nodeBuiltin.test(s) || s === 'electron' || (s.includes('src-main') && !s.endsWith('core/contract')) || s.includes('/core/') && !s.endsWith('core/contract')),
    ).toEqual([]);
  });

  it('the engine thread runs an engine only, and the answer path never reaches the evaluation harness', () => {
    const inThread = (s: string) => /\/(service|backend|index|store|answer)(\/|$)/.test(s) || s.endsWith('/service');
    expect(violations('src-main/core/model/thread', (s) => inThread(s)).filter((v) => v.includes('-worker.ts'))).toEqual([]);
    const isEval = (s: string) => /(^|\/)eval\//.test(s);
    const answerPath = ['src-main/core/answer', 'src-main/core/backend', 'src-main/core/index', 'src-main/core/model'];
    expect(answerPath.flatMap((folder) => violations(folder, isEval)).filter((v) => !/\.test\.ts /.test(v))).toEqual([]);
    expect(importsOf(join(repoRoot, 'src-main/core/service.ts')).filter(isEval)).toEqual([]);
  });

  it('the scan itself sees imports (guards against a regex that matches nothing)', () => {
    expect(importsOf(join(repoRoot, 'src-main/cli.ts'))).toContain('./core/errors');
  });
});
