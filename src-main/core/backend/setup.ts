/**
 * The one composition root. Electron (through its backend process), the web shell and every CLI
 * command open the app here: the same data folder (default: the per-user one), the same
 * settings file and active model, k, precision and defaults. Shells add only what is theirs
 * (dialogs, where a bundler put the data files); flags override settings for one process.
 *
 *   <data>/settings.json, <data>/library/ (LMDB), <data>/graphs/, <data>/models/ (ARCHITECTURE.md#store-layout)
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Settings } from '../contract';
import { DeskService, type DeskServiceOptions } from '../service';
import { DeskModels, type ModelsPort } from '../service-models';
import { defaultAppDataDir } from '../settings';

/** Where the app keeps everything, as every entry point takes it (`--library`/`--db`, `--models`). */
export interface DataFolders {
  appDataDir: string;
  modelsDir: string;
}

/** The data folders from flags: the per-user folder unless one is named; models inside it unless named. */
export function dataFolders(flags: { library?: string; models?: string } = {}): DataFolders {
  const appDataDir = resolve(flags.library ?? defaultAppDataDir());
  return { appDataDir, modelsDir: flags.models ? resolve(flags.models) : join(appDataDir, 'models') };
}

/** What an entry point opens the app with: its shell, its folders, and what else it provides. */
export interface DeskSetup extends Partial<DataFolders>, Omit<DeskServiceOptions, 'appDataDir' | 'modelsDir'> {
  /**
   * The model for this process only: an installed model's name, or a checkpoint folder (a CLI's
   * `--model DIR`), which is then used in place, not installed.
   */
  model?: string;
}

/** Opens the DeskService every shell runs; see the file comment. */
export async function openDesk(setup: DeskSetup): Promise<DeskService> {
  const { appDataDir, modelsDir } = dataFolders({ library: setup.appDataDir, models: setup.modelsDir });
  const { model, ...options } = setup;
  const folder = model && isCheckpointFolder(model) ? resolve(model) : null;
  const installed = options.models ?? new DeskModels(modelsDir, options.cataloguePath, options.builtinModelDir);
  const models = folder ? withCheckpointFolder(installed, folder) : installed;
  // A name is checked by the service like any setting (not installed: MODEL_NOT_INSTALLED noted).
  const overrides: Partial<Settings> = { ...options.settingsOverrides, ...(model !== undefined ? { model: folder ?? model } : {}) };
  return DeskService.open({ ...options, appDataDir, modelsDir, models, settingsOverrides: overrides });
}

/** A path (not a name) to a folder holding a checkpoint's config.json. */
function isCheckpointFolder(model: string): boolean {
  const path = resolve(model);
  return (isAbsolute(model) || model.startsWith('.') || model.includes('/') || model.includes('\\')) && existsSync(join(path, 'config.json')) && statSync(path).isDirectory();
}

/** The installed models, plus one checkpoint folder known by its path (used in place, never listed or installed). */
function withCheckpointFolder(inner: ModelsPort, dir: string): ModelsPort {
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'dirOf') return async (name: string) => (name === dir ? dir : target.dirOf(name));
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
