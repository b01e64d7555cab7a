import type { DeskApi } from '$contract';
import type { Toasts } from './toasts.svelte';
import type { AppInfo, CatalogueEntry, ModelInfo, PullProgress, Settings } from './types';

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

  hasModel = $derived(this.info?.model != null);
  isDesktop = $derived(this.info?.shell === 'electron');

  constructor(
    private readonly api: DeskApi,
    private readonly toasts: Toasts,
  ) {}

  async load(): Promise<void> {
    const [info, settings, models] = await Promise.all([this.api['app.info']({}), this.api['settings.get']({}), this.api['models.list']({})]);
    this.info = info;
    this.settings = settings;
    this.models = models.models;
    this.catalogue = models.catalogue;
    this.modelsDir = models.modelsDir;
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
    try {
      const model = await this.api['models.pull']({ repo });
      this.toasts.show(`Installed ${model.name}. Your library is being re-encoded with it.`);
      await this.load();
    } catch (err) {
      this.toasts.error(err);
    } finally {
      const { [repo]: _, ...rest } = this.pulls;
      this.pulls = rest;
    }
  }

  /** Installs a checkpoint folder (or .zip) from disk. */
  async importModel(path: string): Promise<boolean> {
    try {
      const model = await this.api['models.import']({ path: path.trim() });
      this.toasts.show(`Installed ${model.name}.`);
      await this.load();
      return true;
    } catch (err) {
      this.toasts.error(err);
      return false;
    }
  }

  async useModel(name: string | null): Promise<boolean> {
    return this.updateSettings({ model: name });
  }

  async cancelPull(repo: string): Promise<void> {
    await this.api['models.cancelPull']({ repo }).catch((err) => this.toasts.error(err));
  }

  onPullProgress(progress: PullProgress): void {
    if (progress.repo in this.pulls) this.pulls = { ...this.pulls, [progress.repo]: progress };
  }

  onSettingsChanged(settings: Settings): void {
    this.settings = settings;
  }
}
