import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeskError } from '../errors';
import { diskFullError, type FreeBytes, isDiskFull } from './disk-space';
import { cancelledError } from './hub-errors';
import { installStaged, makeStagingDir } from './install';
import { type InstalledModel, type ModelFileRecord, readModelMeta } from './metadata';
import { sanitizeName } from './repo-ref';
import { synthesizeTokenizerJson } from './tokenizer-json';
import { extractZip } from './zip';

export interface ImportOptions {
  modelsDir: string;
  /** Folder name to install under; default from the source's name. */
  name?: string;
  /** Replace an installed model of that name (default: refuse). */
  replace?: boolean;
  signal?: AbortSignal;
  /** Test hook: free space probe. */
  freeBytes?: FreeBytes;
}

/** The files of a Hugging Face checkpoint folder that are copied; other weights formats and training state are not. */
export const modelFiles = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
  'special_tokens_map.json',
  'README.md',
];

/**
 * Imports a local checkpoint: a folder in Hugging Face layout, or a .zip of one (its files at the
 * top, or inside one top-level folder). The model files are copied (hashed on the way) into a
 * staging folder, validated by loadCheckpoint, and renamed into `<modelsDir>/<name>/` whole.
 */
export async function importModel(source: string, opts: ImportOptions): Promise<InstalledModel> {
  const src = resolve(source);
  const info = await stat(src).catch(() => null);
  if (!info) throw new DeskError('FILE_UNREADABLE', `${src} does not exist`, { file: src });
  const isZip = info.isFile() && extname(src).toLowerCase() === '.zip';
  if (!info.isDirectory() && !isZip) {
    throw new DeskError('UNSUPPORTED_TYPE', `${src} is neither a folder nor a .zip; import a checkpoint folder or a .zip of one`, { file: src });
  }
  const name = sanitizeName(opts.name ?? basename(src, isZip ? extname(src) : ''));
  if (!opts.replace && (await readModelMeta(join(opts.modelsDir, name)))) {
    throw new DeskError('BAD_REQUEST', `a model named "${name}" is already installed; choose another name or remove it first`, { name });
  }

  const staging = await makeStagingDir(opts.modelsDir, `import-${name}`);
  const unpacked = isZip ? `${staging}.unzip` : undefined;
  let shownAs = src; // what errors call the folder instead of the staging path
  try {
    let root = src;
    if (unpacked) {
      await extractZip(src, unpacked, { signal: opts.signal, freeBytes: opts.freeBytes });
      root = await checkpointRoot(unpacked);
      shownAs = root === unpacked ? src : `${src} (folder ${basename(root)})`;
    }
    const records: ModelFileRecord[] = [];
    for (const file of modelFiles) {
      const from = join(root, file);
      if (!(await stat(from).catch(() => null))?.isFile()) continue;
      records.push(await copyHashing(from, join(staging, file), file, opts.signal));
    }
    const tokenizerSynthesized = await synthesizeTokenizerJson(staging);
    if (tokenizerSynthesized) records.push(await recordOf(join(staging, 'tokenizer.json'), 'tokenizer.json'));
    opts.signal?.throwIfAborted();
    return await installStaged(staging, opts.modelsDir, {
      name,
      source: 'import',
      importedFrom: src,
      files: records,
      ...(tokenizerSynthesized ? { tokenizerSynthesized } : {}),
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true, maxRetries: 3 });
    if (opts.signal?.aborted) throw cancelledError(`importing ${src}`);
    if (err instanceof DeskError) throw renamePaths(err, staging, shownAs, src);
    throw err;
  } finally {
    if (unpacked) await rm(unpacked, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The unpacked folder itself when config.json is at its top, else its one top-level folder (macOS extras ignored). */
async function checkpointRoot(dir: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX' && e.name !== '.DS_Store');
  if (entries.some((e) => e.isFile() && e.name === 'config.json')) return dir;
  const folders = entries.filter((e) => e.isDirectory());
  if (folders.length === 1 && entries.length === 1) return join(dir, folders[0].name);
  return dir;
}

/** Copies a file, hashing it on the way, and returns its record. */
async function copyHashing(from: string, to: string, name: string, signal?: AbortSignal): Promise<ModelFileRecord> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(from), tap, createWriteStream(to), { signal });
  } catch (err) {
    if (isDiskFull(err)) throw diskFullError(to);
    throw err;
  }
  return { name, size, sha256: hash.digest('hex') };
}

async function recordOf(path: string, name: string): Promise<ModelFileRecord> {
  const bytes = await readFile(path);
  return { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The loader names the staging folder; the person knows the folder or zip they imported. */
function renamePaths(err: DeskError, staging: string, shownAs: string, src: string): DeskError {
  const message = err.message.split(staging).join(shownAs);
  const hint =
    err.code === 'CHECKPOINT_MISSING_FILE' && /model\.safetensors/.test(message)
      ? ' Only model.safetensors weights are loaded; convert with save_pretrained(..., safe_serialization=True).'
      : '';
  return new DeskError(err.code, message + hint, { ...err.details, source: src });
}
