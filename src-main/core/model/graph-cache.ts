/**
 * The on-disk graph cache: `<cacheDir>/graphs/<fingerprint>/` holds `weights.bin` (all graph
 * weights, written once per checkpoint), `manifest.json` (builder version + weight table) and
 * small .onnx graphs that reference the weights (`lower-k9.onnx`, `upper-k9.onnx`, `ask-k9.onnx`, `full.onnx`).
 * Every file is written to a temp name and renamed, so a crash or a concurrent opener never
 * sees half a file. A builder change bumps GRAPH_BUILDER_VERSION and invalidates the folder.
 * int8 upper and ask graphs (`upper-k9-int8.onnx`, `ask-k9-int8.onnx`) also read `weights-int8.bin`, indexed by
 * `weights-int8.json`; both are written on the first int8 request, so fp32-only caches never hold them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGraph, graphFileName, usesInt8Weights, type GraphKind } from './onnx/graphs';
import { writeInt8WeightsFile } from './onnx/int8-weights';
import { writeWeightsFile, type WeightTable } from './onnx/weight-table';
import type { Checkpoint } from './types';

/** Bump when graphs or the weight layout change: cached folders from older builders are rebuilt. */
export const GRAPH_BUILDER_VERSION = 2; // 2: int8 weights hold 7-bit values (onnx/int8-weights.ts qMax)

const WEIGHTS_FILE = 'weights.bin';
const MANIFEST_FILE = 'manifest.json';
const INT8_WEIGHTS_FILE = 'weights-int8.bin';
const INT8_TABLE_FILE = 'weights-int8.json';

/** What manifest.json records. */
interface GraphManifest {
  builderVersion: number;
  fingerprint: string;
  weights: WeightTable;
}

/** A graph file ready for `InferenceSession.create(path)`; `built` is false when it came from the cache. */
export interface CachedGraph {
  path: string;
  built: boolean;
}

/** The cache folder for one checkpoint. */
export function graphCacheDir(cacheDir: string, fingerprint: string): string {
  return join(cacheDir, 'graphs', fingerprint);
}

function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

function readManifest(dir: string, fingerprint: string): GraphManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf-8')) as GraphManifest;
    const isCurrent = m.builderVersion === GRAPH_BUILDER_VERSION && m.fingerprint === fingerprint;
    return isCurrent && existsSync(join(dir, m.weights.location)) ? m : null;
  } catch {
    return null;
  }
}

/** Weights + manifest for the checkpoint, written on first use (and after a builder change). */
function ensureWeights(checkpoint: Checkpoint, dir: string): WeightTable {
  const cached = readManifest(dir, checkpoint.fingerprint);
  if (cached) return cached.weights;
  // Stale or partial folder: graphs in it may point at an old weight layout.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const weights = writeWeightsFile(checkpoint, join(dir, WEIGHTS_FILE), WEIGHTS_FILE);
  const manifest: GraphManifest = { builderVersion: GRAPH_BUILDER_VERSION, fingerprint: checkpoint.fingerprint, weights };
  writeAtomically(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return weights;
}

/**
 * The fp32 table extended with the int8 entries (each naming weights-int8.bin), written on
 * first use. It lives inside the fingerprint folder, so a stale folder takes it along when removed.
 */
function withInt8Weights(checkpoint: Checkpoint, dir: string, fp32: WeightTable): WeightTable {
  const tablePath = join(dir, INT8_TABLE_FILE);
  let int8: WeightTable | null = null;
  try {
    if (existsSync(join(dir, INT8_WEIGHTS_FILE))) int8 = JSON.parse(readFileSync(tablePath, 'utf-8')) as WeightTable;
  } catch {
    int8 = null;
  }
  if (!int8) {
    int8 = writeInt8WeightsFile(checkpoint, join(dir, INT8_WEIGHTS_FILE), INT8_WEIGHTS_FILE);
    writeAtomically(tablePath, JSON.stringify(int8));
  }
  return { location: fp32.location, entries: { ...fp32.entries, ...int8.entries } };
}

/**
 * Returns the path of each requested graph, building (and caching) only those missing.
 * The manifest is written after the weights, so its presence means the weights are whole.
 */
export function ensureGraphs(checkpoint: Checkpoint, cacheDir: string, kinds: GraphKind[]): CachedGraph[] {
  const dir = graphCacheDir(cacheDir, checkpoint.fingerprint);
  const weights = ensureWeights(checkpoint, dir);
  let int8: WeightTable | null = null;
  return kinds.map((kind) => {
    const path = join(dir, graphFileName(kind));
    if (existsSync(path)) return { path, built: false };
    const needsInt8 = usesInt8Weights(kind);
    if (needsInt8) int8 ??= withInt8Weights(checkpoint, dir, weights);
    writeAtomically(path, buildGraph(checkpoint.config, needsInt8 && int8 ? int8 : weights, kind));
    return { path, built: true };
  });
}

/** Graph files currently cached for a checkpoint (for tests and diagnostics). */
export function cachedGraphFiles(cacheDir: string, fingerprint: string): string[] {
  const dir = graphCacheDir(cacheDir, fingerprint);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort() : [];
}
