import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DeskError, isDeskError } from '../errors';
import { assertFreeSpace, type FreeBytes } from './disk-space';
import { downloadFile } from './download-file';
import { cancelledError } from './hub-errors';
import { fetchRevisionInfo, type RevisionInfo } from './hub-api';
import type { HubContext } from './http-client';
import { incomingDir, installStaged } from './install';
import { type InstalledModel, type ModelFileRecord, readModelMeta } from './metadata';
import { ProgressTracker, type PullProgress } from './progress';
import type { Env } from './proxy';
import { encodeFilePath, parseRepoRef, type RepoRef, safeModelName } from './repo-ref';
import { synthesizeTokenizerJson } from './tokenizer-json';

/** How to reach the hub; everything defaults the way Hugging Face's own tools do. */
export interface HubSettings {
  /** Default: env HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Default: env HF_TOKEN (or HUGGING_FACE_HUB_TOKEN). */
  token?: string;
  /** Default: process.env (proxy variables, HF_*). */
  env?: Env;
  /** Idle timeout per request, ms. */
  timeoutMs?: number;
}

export interface PullOptions extends HubSettings {
  modelsDir: string;
  onProgress?: (p: PullProgress) => void;
  /** Abort → HUB_CANCELLED and the staging folder is removed (a crash, by contrast, keeps `.part` files for resume). */
  signal?: AbortSignal;
  /** Dropped connections resumed within one pull before giving up (default 3). */
  retries?: number;
  /** sha256 per file known from the catalogue, used where the hub publishes none. */
  knownSha256?: Record<string, string>;
  /** Test hook: free space probe. */
  freeBytes?: FreeBytes;
}

/** Files the engine needs; tokenizer.json may be replaced by vocab.txt (tokenizer.json is then built here). */
const requiredFiles = ['config.json', 'model.safetensors'];
const optionalFiles = ['tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];

export function hubContext(settings: HubSettings): HubContext {
  const env = settings.env ?? process.env;
  const endpoint = (settings.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = settings.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  return { endpoint, token: token || undefined, env, timeoutMs: settings.timeoutMs };
}

/**
 * Pulls `owner/name[@revision]` into `<modelsDir>/<owner--name>/`: resolves the revision to a commit
 * (`/api/models/{repo}/revision/{rev}?blobs=true`), downloads each file from
 * `/resolve/{commit}/{file}` into `<modelsDir>/.incoming/<owner--name>-<commit>/<file>.part`
 * (resumed by a later run), verifies each file (sha256 for LFS files, the git blob id for the others,
 * the size always), builds tokenizer.json from vocab.txt if the repo has none, validates with loadCheckpoint, and
 * renames the folder into place. A model already installed at that commit is returned as is.
 */
export async function pullModel(refOrText: RepoRef | string, opts: PullOptions): Promise<InstalledModel> {
  const ref = typeof refOrText === 'string' ? parseRepoRef(refOrText) : refOrText;
  const ctx = hubContext(opts);
  const signal = opts.signal;
  if (signal?.aborted) throw cancelledError(`pulling ${ref.repo}`);
  const tracker = new ProgressTracker(new Map(), opts.onProgress);
  tracker.phase('resolve');
  await mkdir(incomingDir(opts.modelsDir), { recursive: true });

  const info = await fetchRevisionInfo(ctx, ref, signal);
  const name = safeModelName(ref.repo);
  const installed = await readModelMeta(join(opts.modelsDir, name));
  if (installed?.commit === info.commit) {
    tracker.phase('done');
    return { name, dir: join(opts.modelsDir, name), meta: installed };
  }

  const plan = planFiles(ref, info);
  const staging = join(incomingDir(opts.modelsDir), `${name}-${info.commit.slice(0, 12)}`);
  await mkdir(staging, { recursive: true });
  const unlock = await lockStaging(staging, ref);
  try {
    tracker.plan(new Map(plan.map((f) => [f, info.files.get(f)?.size])));
    for (const file of plan) tracker.file(file, await partBytes(staging, file), info.files.get(file)?.size, true);
    const needed = plan.reduce((sum, f) => sum + (info.files.get(f)?.size ?? 0), 0) - tracker.snapshot().bytes;
    await assertFreeSpace(opts.modelsDir, Math.max(0, needed), opts.freeBytes);

    const records: ModelFileRecord[] = [];
    for (const file of plan) {
      const record = await fetchFile(file, ref, info, staging, ctx, opts, tracker);
      if (record) records.push(record);
    }
    for (const { name: file } of records) await rename(join(staging, `${file}.part`), join(staging, file));
    const tokenizerSynthesized = await synthesizeTokenizerJson(staging);
    if (tokenizerSynthesized) records.push(await recordOf(staging, 'tokenizer.json'));
    if (signal?.aborted) throw cancelledError(`pulling ${ref.repo}`);

    tracker.phase('install');
    await unlock(); // the lock file must not travel into the model folder
    const model = await installStaged(staging, opts.modelsDir, {
      name,
      source: 'hub',
      repo: ref.repo,
      revision: ref.revision,
      commit: info.commit,
      files: records,
      ...(tokenizerSynthesized ? { tokenizerSynthesized } : {}),
    }).catch(async (err) => {
      // Verified bytes that do not make a usable checkpoint are of no use for a resume either.
      await rm(staging, { recursive: true, force: true });
      throw err;
    });
    tracker.phase('done');
    return model;
  } catch (err) {
    await unlock();
    if (signal?.aborted || isDeskError(err, 'HUB_CANCELLED')) {
      await rm(staging, { recursive: true, force: true });
      throw cancelledError(`pulling ${ref.repo}`);
    }
    throw err;
  }
}

/** Which files to fetch, from the revision's listing; a missing model.safetensors is explained up front. */
function planFiles(ref: RepoRef, info: RevisionInfo): string[] {
  const listed = info.files;
  if (listed.size === 0) return [...requiredFiles, 'tokenizer.json', ...optionalFiles]; // a mirror without listings: try all
  const at = `${ref.repo}@${ref.revision}`;
  if (!listed.has('model.safetensors')) {
    const other = ['pytorch_model.bin', 'tf_model.h5', 'model.safetensors.index.json'].filter((f) => listed.has(f));
    throw new DeskError(
      'HUB_NOT_FOUND',
      `${at} has no model.safetensors${other.length ? ` (only ${other.join(', ')})` : ''}; only safetensors weights are loaded. ` +
        'Many repos gained one in a later revision or a refs/pr/N branch named "Adding `safetensors` variant of this model": pull that revision.',
      { repo: ref.repo, revision: ref.revision, file: 'model.safetensors' },
    );
  }
  if (!listed.has('config.json')) {
    throw new DeskError('HUB_NOT_FOUND', `${at} has no config.json`, { repo: ref.repo, revision: ref.revision, file: 'config.json' });
  }
  if (!listed.has('tokenizer.json') && !listed.has('vocab.txt')) {
    throw new DeskError('HUB_NOT_FOUND', `${at} has neither tokenizer.json nor vocab.txt`, {
      repo: ref.repo,
      revision: ref.revision,
      file: 'tokenizer.json',
    });
  }
  return [...requiredFiles, 'tokenizer.json', ...optionalFiles].filter((f) => listed.has(f));
}

/** Downloads one file into `<file>.part`; an optional file the hub does not have is skipped (undefined). */
async function fetchFile(
  file: string,
  ref: RepoRef,
  info: RevisionInfo,
  staging: string,
  ctx: HubContext,
  opts: PullOptions,
  tracker: ProgressTracker,
): Promise<ModelFileRecord | undefined> {
  const partPath = join(staging, `${file}.part`);
  const finalPath = join(staging, file);
  // A crash between renames leaves a finished file: turn it back into a part so it is verified, not refetched.
  if ((await stat(finalPath).catch(() => null)) && !(await stat(partPath).catch(() => null))) await rename(finalPath, partPath);
  const listed = info.files.get(file);
  const isRequired = requiredFiles.includes(file) || (file === 'tokenizer.json' && (info.files.size === 0 || !info.files.has('vocab.txt')));
  try {
    const result = await downloadFile(
      {
        subject: { repo: ref.repo, revision: ref.revision, file },
        url: new URL(`${ctx.endpoint}/${ref.repo}/resolve/${info.commit}/${encodeFilePath(file)}`),
        partPath,
        expectedSize: listed?.size,
        expectedSha256: listed?.sha256 ?? opts.knownSha256?.[file],
        expectedGitBlob: listed?.gitBlob,
      },
      ctx,
      { signal: opts.signal, retries: opts.retries, onBytes: (bytes, total, isResume) => tracker.file(file, bytes, total, isResume) },
    );
    const served = result.hubHeaders?.['x-repo-commit'];
    if (typeof served === 'string' && served !== info.commit) {
      // A mirror answering for another commit than the one the listing resolved to: the hashes do not apply.
      await rm(partPath, { force: true });
      throw new DeskError('HUB_HTTP_ERROR', `${ctx.endpoint} served ${file} from commit ${served}, not ${info.commit}; try again`, {
        file,
        expected: info.commit,
        actual: served,
      });
    }
    return { name: file, size: result.size, sha256: result.sha256 };
  } catch (err) {
    if (!isRequired && isDeskError(err, 'HUB_NOT_FOUND')) {
      await rm(partPath, { force: true });
      return undefined;
    }
    throw err;
  }
}

async function partBytes(staging: string, file: string): Promise<number> {
  return (await stat(join(staging, `${file}.part`)).catch(() => null))?.size ?? 0;
}

async function recordOf(dir: string, file: string): Promise<ModelFileRecord> {
  const bytes = await readFile(join(dir, file));
  return { name: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const lockName = 'pull.lock';

/** One pull per staging folder: a second concurrent pull of the same commit is refused; a dead owner's lock is taken over. */
async function lockStaging(staging: string, ref: RepoRef): Promise<() => Promise<void>> {
  const path = join(staging, lockName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf-8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DeskError('HUB_HTTP_ERROR', `${ref.repo} is already being pulled (process ${owner}); wait for it to finish`, {
          repo: ref.repo,
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new DeskError('HUB_HTTP_ERROR', `could not lock ${staging}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Partial pulls left in `.incoming` (name and bytes), for status screens. */
export async function listPartialPulls(modelsDir: string): Promise<Array<{ name: string; bytes: number }>> {
  const dir = incomingDir(modelsDir);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const partial: Array<{ name: string; bytes: number }> = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const files = await readdir(join(dir, e.name)).catch(() => [] as string[]);
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(dir, e.name, f)).catch(() => null))?.size ?? 0;
    partial.push({ name: e.name, bytes });
  }
  return partial;
}
