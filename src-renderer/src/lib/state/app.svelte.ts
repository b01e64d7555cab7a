import type { DeskApi } from '$contract';
import type { Toasts } from './toasts.svelte';
import type { AppInfo, CatalogueEntry, ModelInfo, ModelsList, PullProgress, Settings } from './types';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Notices dismissed in this tab (sessionStorage): each is shown once, however often app.info is read. */
const dismissedKey = 'desk-dismissed-notices';

function readDismissed(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(dismissedKey) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** App-wide state: what shell and model are running, settings, installed and known models, pulls. */
export class AppState {
  info = $state<AppInfo | null>(null);
  settings = $state<Settings | null>(null);
  models = $state<ModelInfo[]>([]);
  catalogue = $state<CatalogueEntry[]>([]);
  modelsDir = $state('');
  /** Pulls in flight, by repo, with their last progress report. */
  pulls = $state<Record<string, PullProgress | null>>({});
  isSaving = $state(false);
  /** What the service corrected on its own and wants the person to know ("k 9 does not fit…"), not yet dismissed. */
  notices = $state<string[]>([]);
  private readonly dismissed = readDismissed();
  /** The last failure of a model action (pull, import, use, remove): shown in the Models panel, not a toast behind the dialog. */
  modelError = $state<string | null>(null);

  hasModel = $derived(this.info?.model != null);
  isDesktop = $derived(this.info?.shell === 'electron');

  constructor(
    private readonly api: DeskApi,
    private readonly toasts: Toasts,
  ) {}

  /** The model in use, as the models list describes it (size, trained split...). */
  activeModel = $derived(this.models.find((m) => m.active) ?? null);

  async load(): Promise<void> {
    const [info, settings, models] = await Promise.all([this.api['app.info']({}), this.api['settings.get']({}), this.api['models.list']({})]);
    this.setInfo(info);
    this.settings = settings;
    this.onModelsChanged(models);
  }

  /** Applies a settings change (model, k, precision... re-index in the background). */
  async updateSettings(update: Partial<Settings>): Promise<boolean> {
    this.isSaving = true;
    try {
      this.settings = await this.api['settings.update'](update);
      await this.load();
      this.toasts.show('Settings saved.');
      return true;
    } catch (err) {
      this.toasts.error(err);
      return false;
    } finally {
      this.isSaving = false;
    }
  }

  async pull(repo: string): Promise<void> {
    this.pulls = { ...this.pulls, [repo]: null };
    this.modelError = null;
    try {
      const model = await this.api['models.pull']({ repo });
      this.toasts.show(`Installed ${model.name}. Your library is being re-encoded with it.`);
      await this.load();
    } catch (err) {
      this.modelError = message(err);
    } finally {
      const { [repo]: _, ...rest } = this.pulls;
      this.pulls = rest;
    }
  }

  /** Installs a checkpoint folder (or .zip) from disk. */
  async importModel(path: string): Promise<boolean> {
    this.modelError = null;
    try {
      const model = await this.api['models.import']({ path: path.trim() });
      this.toasts.show(`Installed ${model.name}. Your library is being re-encoded with it.`);
      await this.load();
      return true;
    } catch (err) {
      this.modelError = message(err);
      return false;
    }
  }

  /** Puts a model in use now (null: search only); the library re-encodes in the background. */
  async useModel(name: string | null): Promise<boolean> {
    this.modelError = null;
    this.isSaving = true;
    try {
      this.settings = await this.api['settings.update']({ model: name });
      await this.load();
      return true;
    } catch (err) {
      this.modelError = message(err);
      return false;
    } finally {
      this.isSaving = false;
    }
  }

  async removeModel(name: string): Promise<void> {
    this.modelError = null;
    try {
      await this.api['models.remove']({ name });
      this.toasts.show(`Removed ${name}.`);
      await this.load();
    } catch (err) {
      this.modelError = message(err);
    }
  }

  /** The backend's models list, pushed after any change (this window, another one, or the CLI). */
  onModelsChanged(list: ModelsList): void {
    this.models = list.models;
    this.catalogue = list.catalogue;
    this.modelsDir = list.modelsDir;
    // The model in use may have changed underneath (CLI `model use` / `model remove`): re-read what runs.
    if ((this.settings?.model ?? null) !== (list.models.find((m) => m.active)?.name ?? null)) void this.reloadInfo();
  }

  private setInfo(info: AppInfo): void {
    this.info = info;
    const fresh = (info.notices ?? []).filter((text) => !this.dismissed.has(text) && !this.notices.includes(text));
    if (fresh.length > 0) this.notices = [...this.notices, ...fresh];
  }

  /** Hides a notice for the rest of this session. */
  dismissNotice(text: string): void {
    this.notices = this.notices.filter((t) => t !== text);
    this.dismissed.add(text);
    try {
      sessionStorage.setItem(dismissedKey, JSON.stringify([...this.dismissed]));
    } catch {
      // Storage refused (private mode): dismissed for this page only.
    }
  }

  private async reloadInfo(): Promise<void> {
    try {
      const [info, settings] = await Promise.all([this.api['app.info']({}), this.api['settings.get']({})]);
      this.setInfo(info);
      this.settings = settings;
    } catch {
      // The next event or focus re-reads it.
    }
  }

  async cancelPull(repo: string): Promise<void> {
    await this.api['models.cancelPull']({ repo }).catch((err) => (this.modelError = message(err)));
  }

  onPullProgress(progress: PullProgress): void {
    if (progress.repo in this.pulls) this.pulls = { ...this.pulls, [progress.repo]: progress };
  }

  onSettingsChanged(settings: Settings): void {
    this.settings = settings;
  }
}
