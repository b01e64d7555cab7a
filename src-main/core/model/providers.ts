/**
 * Execution providers: which ONNX Runtime backend runs the graphs. `auto` tries the GPUs this
 * platform and binary can have (CUDA, DirectML on Windows, CoreML on macOS, WebGPU), then CPU.
 * A provider that cannot create a session falls back to CPU, and the reason travels with the
 * engine (`provider.reason`), so "why is this slow" has an answer in the UI.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderName } from './types';

/** The provider a session runs on, and why (fallback reasons, or how it was chosen). */
export interface ProviderChoice {
  name: ProviderName;
  reason: string;
}

/** Session settings shared by every graph of an engine. */
export interface SessionSettings {
  provider: ProviderName;
  /** Intra-op threads (ORT's parallel GEMMs). */
  threads: number;
  /** Let idle pool threads spin between ops (default off, see sessionOptions). */
  spinning?: boolean;
}

type ConcreteProvider = Exclude<ProviderName, 'auto'>;

/** Providers `auto` tries, in order, on this platform. */
function autoCandidates(): ConcreteProvider[] {
  if (process.platform === 'win32') return ['cuda', 'dml', 'webgpu', 'cpu'];
  if (process.platform === 'darwin') return ['coreml', 'webgpu', 'cpu'];
  return ['cuda', 'webgpu', 'cpu'];
}

/** The ORT binding folder, where optional provider libraries (CUDA) are installed. */
function bindingDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** Folders the Linux dynamic loader searches for libvulkan.so.1 (LD_LIBRARY_PATH first). */
export function vulkanSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [...fromEnv, `/usr/lib/${multiarch}`, `/lib/${multiarch}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

/** Whether the Vulkan loader is installed (WebGPU on Linux runs on Vulkan). */
export function hasVulkanLoader(dirs: string[] = vulkanSearchDirs()): boolean {
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Why `name` cannot be tried at all here, or null when a session attempt is worth making. */
function unavailableReason(name: ConcreteProvider, isAuto = false): string | null {
  if (name === 'cpu') return null;
  if (name === 'dml' && process.platform !== 'win32') return 'DirectML is Windows-only';
  if (name === 'coreml' && process.platform !== 'darwin') return 'CoreML is macOS-only';
  const backend = ort.listSupportedBackends().find((b) => b.name === name);
  if (!backend) return 'not in this onnxruntime-node binary';
  if (name === 'cuda') {
    // Checking the file first avoids ORT's noisy load error on every start of a CPU-only install.
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const dir = bindingDir();
    if (!dir || !existsSync(join(dir, lib))) return `${lib} not found`;
  }
  // Without a Vulkan loader, WebGPU's Dawn prints "Couldn't load Vulkan" to stderr on every model
  // load, below ORT's log level; `auto` skips it quietly (an explicit webgpu still tries).
  if (name === 'webgpu' && isAuto && process.platform === 'linux' && !hasVulkanLoader()) return 'libvulkan.so.1 not found (no Vulkan driver)';
  return null;
}

/**
 * ORT session options for one graph on one provider. Spinning is off by default: on a CPU
 * shared with other work (a desktop, these build machines) a spinning pool thread holds a core
 * between ops, and every op's barrier then waits for a descheduled thread. Measured on the
 * 2-core build machine under load: BERT-base question lower pass 468 → 164 ms, full 3.0 → 2.2 s.
 */
export function sessionOptions(name: ConcreteProvider, threads: number, spinning = false): ort.InferenceSession.SessionOptions {
  return {
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
    executionProviders: [name],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    // The graphs are one chain of ops: inter-op parallelism would only compete for the cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
}

/** Shortens an ORT error (source paths, assertion text) to what a person can read, for `provider.reason`. */
function shortReason(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const readable = /(Failed to [^.]*)/i.exec(text)?.[1] ?? text.replace(/^.*?\] /, '');
  return readable.trim().slice(0, 200);
}

/**
 * Opens a session for the graph at `path` on the first provider of `settings.provider`'s list
 * that works (explicit `cpu` tries nothing else; any other choice ends on CPU if it must).
 */
export async function openSession(
  path: string,
  settings: SessionSettings,
  log: (line: string) => void = () => {},
): Promise<{ session: ort.InferenceSession; provider: ProviderChoice }> {
  const candidates: ConcreteProvider[] =
    settings.provider === 'auto' ? autoCandidates() : settings.provider === 'cpu' ? ['cpu'] : [settings.provider, 'cpu'];
  const failures: string[] = [];
  for (const name of candidates) {
    const skip = unavailableReason(name, settings.provider === 'auto');
    if (skip) {
      failures.push(`${name}: ${skip}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(path, sessionOptions(name, settings.threads, settings.spinning));
      const reason = failures.length ? failures.join('; ') : settings.provider === 'auto' ? `auto: ${name} works` : 'requested';
      if (failures.length) log(`provider: running on ${name} (${reason})`);
      return { session, provider: { name, reason } };
    } catch (err) {
      if (name === 'cpu') throw err;
      failures.push(`${name}: ${shortReason(err)}`);
    }
  }
  throw new Error(`no execution provider could open ${path}: ${failures.join('; ')}`);
}
