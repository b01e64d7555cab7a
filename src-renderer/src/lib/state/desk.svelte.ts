import { getContext, setContext } from 'svelte';
import type { DeskEvent } from '$contract';
import { createClient, type Transport } from '../bridge';
import { AppState } from './app.svelte';
import { AskState } from './ask.svelte';
import { LibraryState } from './library.svelte';
import { Toasts } from './toasts.svelte';
import { ViewerState } from './viewer.svelte';

/** Every piece of UI state, built over one transport; events are routed to the piece they concern. */
export class Desk {
  readonly toasts = new Toasts();
  readonly app: AppState;
  readonly library: LibraryState;
  readonly ask: AskState;
  readonly viewer: ViewerState;
  loadError = $state<string | null>(null);

  constructor(readonly transport: Transport) {
    const api = createClient(transport);
    this.app = new AppState(api, this.toasts);
    this.library = new LibraryState(api, this.toasts);
    this.ask = new AskState(api, this.toasts);
    this.viewer = new ViewerState(api, this.toasts);
    transport.onEvent((event) => this.route(event));
    // Back to this window: re-read models and settings, in case a change was made elsewhere (CLI) and missed.
    addEventListener('focus', () => void this.app.load().catch(() => undefined));
  }

  async load(): Promise<void> {
    try {
      await Promise.all([this.app.load(), this.library.load()]);
      this.loadError = null;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
    }
  }

  /** The file-system path of a dropped item (desktop only). */
  pathForFile(file: File): string | null {
    return this.transport.pathForFile(file);
  }

  private route(event: DeskEvent): void {
    switch (event.name) {
      case 'indexProgress':
        return this.library.onProgress(event.payload);
      case 'documentFailed':
      case 'documentRemoved':
      case 'indexIdle':
        return this.library.onDocumentsChanged();
      case 'modelPullProgress':
        return this.app.onPullProgress(event.payload);
      case 'settingsChanged':
        this.app.onSettingsChanged(event.payload);
        void this.app.load();
        return;
      case 'modelsChanged':
        return this.app.onModelsChanged(event.payload);
      case 'documentIndexed':
        return this.library.onDocumentIndexed();
    }
  }
}

const key = Symbol('desk');

/** Makes the Desk available to every component below (App.svelte calls this once). */
export function provideDesk(desk: Desk): Desk {
  return setContext(key, desk);
}

/** The Desk from context; components read state and call its methods, never the API. */
export function useDesk(): Desk {
  const desk = getContext<Desk | undefined>(key);
  if (!desk) throw new Error('useDesk() outside <App>: provideDesk was not called');
  return desk;
}
