import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DeskError } from '../errors';
import { readConfig } from '../model/config';
import type { FreeBytes } from './disk-space';
import { importModel } from './import';
import { incomingDir } from './install';
import { type InstalledModel, type ModelMeta, readModelMeta, writeJsonAtomic } from './metadata';
import type { PullProgress } from './progress';
import { type HubSettings, listPartialPulls, pullModel } from './pull';
import { isRepoId, safeModelName } from './repo-ref';

export interface ModelManagerOptions extends HubSettings {
  /** Where models live: `<modelsDir>/<name>/` in Hugging Face layout plus desk-model.json. */
  modelsDir: string;
  /** sha256 of files known for a repo at a commit (the catalogue's pins), used where the hub publishes none. */
  knownSha256?: (repo: string, revision: string) => Record<string, string> | undefined;
  /** Test hook: free space probe. */
  freeBytes?: FreeBytes;
  /**
   * The model shipped with the app (models/builtin.ts), named by its folder: listed first, used when
   * no model was made active, never removed. Ignored when the folder holds no readable config.json.
   */
  builtinDir?: string | null;
}

export interface PullCallOptions {
  onProgress?: (p: PullProgress) => void;
  /** Cancelling discards partial data; an interrupted process keeps `.part` files for the next pull to resume. */
  signal?: AbortSignal;
  retries?: number;
}

const activeFile = 'active.json';

/**
 * Installed models: list, pull from the hub, import, remove, and the active one
 * (`<modelsDir>/active.json`; the app's settings keep their own copy).
 * Names are folder names (`owner--name` for hub models); a repo id works wherever a name does.
 */
export class ModelManager {
  constructor(private readonly opts: ModelManagerOptions) {}

  get modelsDir(): string {
    return this.opts.modelsDir;
  }

  /** Installed models with a valid desk-model.json, by name. */
  async list(): Promise<InstalledModel[]> {
    const entries = await readdir(this.opts.modelsDir, { withFileTypes: true }).catch(() => []);
    const models: InstalledModel[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const dir = join(this.opts.modelsDir, e.name);
      const meta = await readModelMeta(dir);
      if (meta) models.push({ name: e.name, dir, meta });
    }
    models.sort((a, b) => a.name.localeCompare(b.name));
    const builtin = await this.builtin();
    return builtin ? [builtin, ...models.filter((m) => m.name !== builtin.name)] : models;
  }

  /** The built-in model, when its folder is there; its record is made from its files (it has no desk-model.json). */
  async builtin(): Promise<InstalledModel | undefined> {
    const dir = this.opts.builtinDir;
    if (!dir) return undefined;
    try {
      const config = readConfig(dir);
      const names = (await readdir(dir)).filter((n) => !n.startsWith('.'));
      // Sizes only: hashing ~50 MB on every listing buys nothing for files that ship with the app.
      const files = await Promise.all(names.map(async (name) => ({ name, size: (await stat(join(dir, name))).size, sha256: '' })));
      const meta: ModelMeta = {
        schema: 1,
        name: basename(dir),
        source: 'builtin',
        files,
        installedAt: '',
        fingerprint: '',
        arch: config.arch,
        layers: config.layers,
        hidden: config.hidden,
      };
      return { name: basename(dir), dir, meta, isBuiltin: true };
    } catch {
      return undefined;
    }
  }

  /** A model by name or repo id. */
  async get(nameOrRepo: string): Promise<InstalledModel | undefined> {
    const name = this.resolveName(nameOrRepo);
    if (!name) return undefined;
    if (this.opts.builtinDir && name === basename(this.opts.builtinDir)) return this.builtin();
    const dir = join(this.opts.modelsDir, name);
    const meta = await readModelMeta(dir);
    return meta ? { name, dir, meta } : undefined;
  }

  /** Removes a model's folder (renamed away first, so a half-deleted model is never listed); clears it as active. */
  async remove(nameOrRepo: string): Promise<void> {
    const model = await this.require(nameOrRepo);
    if (model.isBuiltin) throw new DeskError('BAD_REQUEST', `${model.name} is built into the app and cannot be removed; use another model instead.`);
    await mkdir(incomingDir(this.opts.modelsDir), { recursive: true });
    const trash = join(incomingDir(this.opts.modelsDir), `.removed-${model.name}-${Date.now()}`);
    await rename(model.dir, trash);
    await rm(trash, { recursive: true, force: true, maxRetries: 3 });
    if ((await this.activeName()) === model.name) await rm(join(this.opts.modelsDir, activeFile), { force: true });
  }

  async setActive(nameOrRepo: string): Promise<InstalledModel> {
    const model = await this.require(nameOrRepo);
    await mkdir(this.opts.modelsDir, { recursive: true });
    await writeJsonAtomic(join(this.opts.modelsDir, activeFile), { name: model.name });
    return model;
  }

  /** The active model, if one is set and still installed; else the built-in model, if there is one. */
  async active(): Promise<InstalledModel | undefined> {
    const name = await this.activeName();
    return (name ? await this.get(name) : undefined) ?? this.builtin();
  }

  /** Pulls `owner/name[@revision]` (see pullModel); the first model installed becomes active. */
  async pull(refText: string, call: PullCallOptions = {}): Promise<InstalledModel> {
    const at = refText.indexOf('@');
    const repo = at < 0 ? refText : refText.slice(0, at);
    const revision = at < 0 ? 'main' : refText.slice(at + 1);
    const model = await pullModel(refText, {
      ...this.opts,
      ...call,
      knownSha256: this.opts.knownSha256?.(repo, revision),
    });
    await this.activateIfNone(model);
    return model;
  }

  /** Imports a folder or .zip (see importModel); the first model installed becomes active. */
  async importFolder(pathOrZip: string, opts: { name?: string; replace?: boolean; signal?: AbortSignal } = {}): Promise<InstalledModel> {
    const model = await importModel(pathOrZip, { modelsDir: this.opts.modelsDir, freeBytes: this.opts.freeBytes, ...opts });
    await this.activateIfNone(model);
    return model;
  }

  /** Partial pulls waiting in `.incoming` to be resumed. */
  partialPulls(): Promise<Array<{ name: string; bytes: number }>> {
    return listPartialPulls(this.opts.modelsDir);
  }

  /** Only an explicit choice counts: the first model installed replaces the built-in default. */
  private async activateIfNone(model: InstalledModel): Promise<void> {
    const name = await this.activeName();
    if (!name || !(await this.get(name))) await this.setActive(model.name);
  }

  /** The name in active.json (set by `model use`, a first install or the app), installed or not. */
  async activeName(): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(join(this.opts.modelsDir, activeFile), 'utf-8')) as { name?: unknown };
      return typeof parsed.name === 'string' ? parsed.name : undefined;
    } catch {
      return undefined;
    }
  }

  /** A folder name from a name or repo id; nothing that could escape modelsDir. */
  private resolveName(nameOrRepo: string): string | undefined {
    const text = nameOrRepo.trim();
    if (text.includes('/')) return isRepoId(text) ? safeModelName(text) : undefined;
    return /^[\w][\w.-]*$/.test(text) ? text : undefined;
  }

  private async require(nameOrRepo: string): Promise<InstalledModel> {
    const model = await this.get(nameOrRepo);
    if (!model) {
      const installed = (await this.list()).map((m) => m.name);
      throw new DeskError(
        'MODEL_NOT_INSTALLED',
        `no installed model "${nameOrRepo}"; installed: ${installed.length ? installed.join(', ') : 'none'}`,
        { name: nameOrRepo },
      );
    }
    return model;
  }
}
