/**
 * The service's view of installed models: hub/model-manager.ts plus the catalogue, shaped the
 * way the contract describes models (ModelInfo, CatalogueEntry, pull progress).
 */
import { builtinModelDir } from '../../models/builtin';
import { findCatalogueEntry, loadCatalogue, type Catalogue } from '../../models/catalogue';
import type { ResponseOf } from './contract';
import { ModelManager } from './hub/model-manager';
import type { InstalledModel } from './hub/metadata';
import type { PullProgress } from './hub/progress';
import { readConfig, recommendedK } from './model/config';
import type { DeformerSplit } from './model/types';

/** A model as models.list shows it, before the service marks the active one. */
export type InstalledInfo = Omit<ResponseOf<'models.pull'>, 'active'>;
export type CatalogueInfo = ResponseOf<'models.list'>['catalogue'][number];

/** Pull progress as the modelPullProgress event carries it (without the repo). */
export interface PullReport {
  file: string;
  bytesDone: number;
  bytesTotal: number;
  done: boolean;
  phase: PullProgress['phase'];
  bytesPerSecond: number;
}

/** What the service needs of the installed models; DeskModels implements it over ModelManager. */
export interface ModelsPort {
  readonly dir: string;
  list(): Promise<InstalledInfo[]>;
  catalogue(installed: InstalledInfo[]): Promise<CatalogueInfo[]>;
  /** The checkpoint folder of an installed model, or null. */
  dirOf(name: string): Promise<string | null>;
  /** The model the CLI (or another app) last made active, if installed; else the built-in one, if any. */
  activeName(): Promise<string | null>;
  /** The built-in model's name, when the app ships one. */
  builtinName(): Promise<string | null>;
  setActive(name: string): Promise<void>;
  pull(repo: string, call: { signal: AbortSignal; onProgress: (p: PullReport) => void }): Promise<{ name: string }>;
  importFolder(path: string): Promise<{ name: string }>;
  remove(name: string): Promise<void>;
}

/** "262 MB" → 262; undefined when the text has no number of MB/GB. */
function megabytes(text: string): number | undefined {
  const m = /([\d.]+)\s*(MB|GB)/i.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2].toUpperCase() === 'GB' ? 1024 : 1);
}

function info(model: InstalledModel): InstalledInfo {
  const { meta } = model;
  let deformer: DeformerSplit | undefined;
  try {
    deformer = readConfig(model.dir).deformer;
  } catch {
    // Listed all the same: opening it reports what is wrong with its config.
  }
  return {
    builtin: model.isBuiltin === true,
    defaultK: Math.min(meta.layers, deformer?.k ?? recommendedK(meta.layers)),
    ...(deformer ? { trainedK: deformer.trainedK } : {}),
    name: model.name,
    ...(meta.repo ? { repo: meta.repo } : {}),
    ...(meta.commit || meta.revision ? { revision: meta.commit ?? meta.revision } : {}),
    arch: meta.arch,
    layers: meta.layers,
    hidden: meta.hidden,
    sizeBytes: meta.files.reduce((n, f) => n + f.size, 0),
  };
}

/** ModelsPort over hub/model-manager.ts and models/catalogue.json. */
export class DeskModels implements ModelsPort {
  private readonly manager: ModelManager;
  private readonly known: Catalogue;

  /** `builtinDir`: the built-in model's folder (default models/builtin.ts's); null for none. */
  constructor(
    readonly dir: string,
    cataloguePath?: string,
    builtinDir: string | null = builtinModelDir,
  ) {
    this.known = loadCatalogue(cataloguePath);
    this.manager = new ModelManager({
      modelsDir: dir,
      builtinDir,
      // The catalogue's sha256 pins check downloads where the hub publishes none.
      knownSha256: (repo, revision) => {
        const entry = findCatalogueEntry(this.known, repo);
        if (!entry || entry.revision !== revision) return undefined;
        return Object.fromEntries(entry.files.flatMap((f) => (f.sha256 ? [[f.name, f.sha256]] : [])));
      },
    });
  }

  async list(): Promise<InstalledInfo[]> {
    return (await this.manager.list()).map(info);
  }

  async catalogue(installed: InstalledInfo[]): Promise<CatalogueInfo[]> {
    // Entries that load as they are come first: a caveat usually means extra steps or a refusal.
    const entries = [...this.known.models].sort((a, b) => a.caveats.length - b.caveats.length);
    return entries.map((entry) => ({
      repo: entry.repo,
      title: `${entry.id} (${entry.arch}, ${entry.layers} layers, ${entry.params})`,
      sizeMb: megabytes(entry.downloadApprox),
      recommendedK: entry.recommendedK,
      notes: entry.answersWell,
      installed: installed.some((m) => m.repo?.toLowerCase() === entry.repo.toLowerCase()),
    }));
  }

  async dirOf(name: string): Promise<string | null> {
    return (await this.manager.get(name))?.dir ?? null;
  }

  async activeName(): Promise<string | null> {
    return (await this.manager.active())?.name ?? null;
  }

  async builtinName(): Promise<string | null> {
    return (await this.manager.builtin())?.name ?? null;
  }

  async setActive(name: string): Promise<void> {
    await this.manager.setActive(name);
  }

  /** A catalogue repo is pulled at its pinned revision; anything else at what the text says. */
  async pull(repo: string, call: { signal: AbortSignal; onProgress: (p: PullReport) => void }): Promise<{ name: string }> {
    const entry = repo.includes('@') ? undefined : findCatalogueEntry(this.known, repo);
    const ref = entry ? `${entry.repo}@${entry.revision}` : repo;
    return this.manager.pull(ref, {
      signal: call.signal,
      onProgress: (p) =>
        call.onProgress({
          file: p.file ?? '',
          bytesDone: p.bytes,
          bytesTotal: p.total ?? 0,
          done: p.phase === 'done',
          phase: p.phase,
          bytesPerSecond: p.bytesPerSecond,
        }),
    });
  }

  importFolder(path: string): Promise<{ name: string }> {
    return this.manager.importFolder(path);
  }

  remove(name: string): Promise<void> {
    return this.manager.remove(name);
  }
}
