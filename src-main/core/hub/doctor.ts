import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderChoice } from '../model/providers';
import { LibraryStore } from '../store/store';
import type { CacheIdentity, StoreStats } from '../store/types';
import { ModelManager } from './model-manager';
import { formatBytes } from './progress';
import { probeProvider } from './provider-probe';

/**
 * `doctor`: what this machine can run (ONNX Runtime providers, what `auto` picks and why), which
 * models are installed and active, and what a library cache holds. The report is plain data so
 * the service and the UI can show the same thing the CLI prints.
 */

export interface ProviderStatus {
  name: string;
  /** Shipped inside this onnxruntime-node build (false: an add-on library that must be installed). */
  bundled: boolean;
  note: string;
}

export interface CacheStatus {
  dir: string;
  exists: boolean;
  bytes?: number;
  identity?: CacheIdentity;
  stats?: StoreStats;
  /** True when the cache was built with the active model's weights. */
  matchesActiveModel?: boolean;
  error?: string;
}

export interface DoctorReport {
  runtime: { node: string; platform: string; arch: string; onnxruntime: string };
  providers: ProviderStatus[];
  /** What `provider: auto` runs on here, with the reasons others were skipped. */
  auto: ProviderChoice | { name: 'unknown'; reason: string };
  /** How to get CUDA when this platform could have it and its libraries are absent. */
  cudaHint?: string;
  models: {
    dir: string;
    active?: string;
    installed: Array<{ name: string; source: string; repo?: string; commit?: string; arch: string; layers: number; hidden: number; bytes: number }>;
    /** Interrupted pulls that the next `model pull` resumes. */
    partial: Array<{ name: string; bytes: number }>;
  };
  cache?: CacheStatus;
}

export interface DoctorOptions {
  modelsDir: string;
  /** A library folder (`--db`): report its cache. */
  dbDir?: string;
  /** Defaults to opening a one-node session with `auto` (core/model/providers.ts). */
  probe?: () => Promise<ProviderChoice>;
}

const ortPackageDir = (() => {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined;
  }
})();

/** The folder onnxruntime-node loads provider libraries from. */
function bindingDir(): string | undefined {
  return ortPackageDir && join(ortPackageDir, 'bin', 'napi-v6', process.platform, process.arch);
}

function providerLibrary(name: string): string {
  const base = `onnxruntime_providers_${name}`;
  return process.platform === 'win32' ? `${base}.dll` : `lib${base}.so`;
}

/** Whether an add-on provider's library is present in the binding folder. */
function hasLibrary(name: string): boolean {
  const dir = bindingDir();
  return Boolean(dir && existsSync(join(dir, providerLibrary(name))));
}

function providerNote(name: string, bundled: boolean): string {
  switch (name) {
    case 'cpu':
      return 'always available';
    case 'cuda':
    case 'tensorrt':
      return hasLibrary(name)
        ? `${providerLibrary(name)} installed; needs the CUDA 12 and cuDNN 9 runtime and an NVIDIA GPU`
        : `${providerLibrary(name)} not installed`;
    case 'webgpu':
      return 'built in; needs a GPU adapter (Vulkan, Metal or Direct3D 12)';
    case 'dml':
      return 'DirectML, Windows GPUs';
    case 'coreml':
      return 'Apple CoreML';
    default:
      return bundled ? 'built in' : 'add-on library';
  }
}

/**
 * CUDA opt-in as onnxruntime-node's script/install.js reads it: the ONNXRUNTIME_NODE_INSTALL
 * variable (or npm config onnxruntime-node-install / the --onnxruntime-node-install flag) set to
 * `cuda12` downloads the CUDA provider libraries from NuGet into the binding folder.
 */
export function cudaInstallHint(): string {
  return [
    'CUDA provider libraries are not installed (onnxruntime-node fetches them from NuGet at install time;',
    'this project\'s .npmrc skips that with onnxruntime-node-install=skip). With an NVIDIA GPU, CUDA 12 and cuDNN 9:',
    '  ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node',
    'or: node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12',
    '(needs https://api.nuget.org; behind a proxy set GLOBAL_AGENT_HTTPS_PROXY, which the script reads through global-agent).',
  ].join('\n');
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(path) : ((await stat(path).catch(() => null))?.size ?? 0);
  }
  return total;
}

/** Builds the report; slow parts (the provider probe, opening the cache) are a second or less. */
export async function doctorReport(opts: DoctorOptions): Promise<DoctorReport> {
  const backends = ort.listSupportedBackends();
  const ortVersion = ortPackageDir ? String((createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version) : 'unknown';
  let auto: DoctorReport['auto'];
  try {
    auto = await (opts.probe ?? (() => probeProvider('auto')))();
  } catch (err) {
    auto = { name: 'unknown', reason: `no provider could open a session: ${(err as Error).message}` };
  }
  const cudaPossible = (process.platform === 'linux' || process.platform === 'win32') && process.arch === 'x64';
  const models = new ModelManager({ modelsDir: opts.modelsDir });
  const installed = await models.list();
  const active = await models.active();
  return {
    runtime: { node: process.version, platform: process.platform, arch: process.arch, onnxruntime: ortVersion },
    providers: backends.map((b) => ({ name: b.name, bundled: b.bundled, note: providerNote(b.name, b.bundled) })),
    auto,
    cudaHint: cudaPossible && !hasLibrary('cuda') ? cudaInstallHint() : undefined,
    models: {
      dir: opts.modelsDir,
      active: active?.name,
      installed: await Promise.all(
        installed.map(async (m) => ({
          name: m.name,
          source: m.meta.source,
          repo: m.meta.repo,
          commit: m.meta.commit,
          arch: m.meta.arch,
          layers: m.meta.layers,
          hidden: m.meta.hidden,
          bytes: await folderBytes(m.dir),
        })),
      ),
      partial: await models.partialPulls(),
    },
    cache: opts.dbDir ? await cacheStatus(opts.dbDir, active?.meta.fingerprint) : undefined,
  };
}

/** The library cache at `dir`: its identity (read-only), then counts through LibraryStore. */
async function cacheStatus(dir: string, activeFingerprint?: string): Promise<CacheStatus> {
  const file = join(dir, 'library.mdb');
  if (!existsSync(file)) return { dir, exists: false };
  const status: CacheStatus = { dir, exists: true, bytes: await folderBytes(dir) };
  try {
    status.identity = LibraryStore.storedIdentity(dir);
    if (!status.identity) return { ...status, error: 'no cache identity recorded: re-index the library' };
    const store = LibraryStore.open(dir, status.identity);
    try {
      status.stats = store.stats();
    } finally {
      await store.close();
    }
    if (activeFingerprint) status.matchesActiveModel = status.identity.modelFingerprint === activeFingerprint;
  } catch (err) {
    status.error = (err as Error).message;
  }
  return status;
}

/** The report as terminal lines. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`runtime: node ${r.runtime.node}, ${r.runtime.platform}/${r.runtime.arch}, onnxruntime-node ${r.runtime.onnxruntime}`);
  lines.push('', 'providers in this onnxruntime-node build:');
  for (const p of r.providers) lines.push(`  ${p.name.padEnd(9)} ${p.bundled ? 'bundled ' : 'add-on  '} ${p.note}`);
  lines.push('', `auto runs on: ${r.auto.name}`, `  why: ${r.auto.reason}`);
  if (r.cudaHint) lines.push('', ...r.cudaHint.split('\n'));
  lines.push('', `models: ${r.models.dir}`);
  if (r.models.installed.length === 0) lines.push('  none installed: npm run cli -- model pull <repo-id>, or model import <dir|zip>');
  for (const m of r.models.installed) {
    const from = m.repo ? `${m.repo}@${m.commit?.slice(0, 12)}` : m.source;
    const mark = m.name === r.models.active ? '*' : ' ';
    lines.push(` ${mark}${m.name}  ${m.arch} ${m.layers}x${m.hidden}  ${formatBytes(m.bytes)}  ${from}`);
  }
  lines.push(`  active: ${r.models.active ?? 'none (model use <name>)'}`);
  for (const p of r.models.partial) lines.push(`  partial download: ${p.name} (${formatBytes(p.bytes)}); model pull resumes it`);
  if (r.cache) {
    const c = r.cache;
    lines.push('', `cache: ${c.dir}`);
    if (!c.exists) lines.push('  no library here yet');
    if (c.bytes !== undefined) lines.push(`  on disk: ${formatBytes(c.bytes)}`);
    if (c.identity) {
      const id = c.identity;
      lines.push(`  built for: model ${id.modelFingerprint.slice(0, 12)}, k=${id.k}, P=${id.passageOffset}, ${id.precision}, W=${id.windowTokens}, O=${id.overlapTokens}`);
    }
    if (c.stats) {
      const s = c.stats;
      const perToken = s.storedTokens ? ` (${(s.stateBytes / s.storedTokens).toFixed(0)} B/token)` : '';
      lines.push(`  ${s.documents} documents, ${s.passages} passages, ${s.storedTokens} stored tokens, states ${formatBytes(s.stateBytes)}${perToken}`);
    }
    if (c.matchesActiveModel !== undefined) lines.push(`  built with the active model: ${c.matchesActiveModel ? 'yes' : 'no (re-index after switching models)'}`);
    if (c.error) lines.push(`  problem: ${c.error}`);
  }
  return lines.join('\n');
}
