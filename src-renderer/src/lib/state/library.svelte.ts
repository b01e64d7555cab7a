import type { DeskApi } from '$contract';
import { DeskCallError } from '../bridge';
import type { Toasts } from './toasts.svelte';
import type { DocumentInfo, DocumentStatus, FolderProgress, IndexStatus } from './types';

/** Watched folders, indexing progress, and the documents that failed or were skipped. */
export class LibraryState {
  folders = $state<string[]>([]);
  progress = $state<FolderProgress[]>([]);
  isPaused = $state(false);
  problems = $state<DocumentInfo[]>([]);
  /** The Library panel's document list (raw: replaced whole, up to 10,000+ rows), by folder then path. */
  documents = $state.raw<DocumentInfo[]>([]);
  statusFilter = $state<DocumentStatus | 'all'>('all');
  isLoaded = $state(false);

  isEmpty = $derived(this.isLoaded && this.folders.length === 0);
  isIndexing = $derived(this.progress.some((f) => f.queued > 0 || f.currentFile !== undefined));
  totals = $derived(
    this.progress.reduce(
      (t, f) => ({ total: t.total + f.total, done: t.done + f.done + f.failed + f.skipped, queued: t.queued + f.queued }),
      { total: 0, done: 0, queued: 0 },
    ),
  );
  private problemsTimer: ReturnType<typeof setTimeout> | undefined;
  private documentsTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: DeskApi,
    private readonly toasts: Toasts,
  ) {}

  async load(): Promise<void> {
    const [{ folders }, status] = await Promise.all([this.api['folders.list']({}), this.api['indexing.status']({})]);
    this.folders = folders;
    this.applyStatus(status);
    await Promise.all([this.loadProblems(), this.loadDocuments()]);
    this.isLoaded = true;
  }

  /**
   * Adds a folder. A folder with very many files or on a network share is added only once the
   * person agrees (the service answers CONFIRM_REQUIRED with the reasons).
   */
  async add(path: string, ask: (question: string) => boolean = (q) => window.confirm(q)): Promise<boolean> {
    const folder = path.trim();
    try {
      try {
        this.folders = (await this.api['folders.add']({ path: folder })).folders;
      } catch (err) {
        if (!(err instanceof DeskCallError && err.code === 'CONFIRM_REQUIRED') || !ask(err.message)) throw err;
        this.folders = (await this.api['folders.add']({ path: folder, confirm: true })).folders;
      }
      this.toasts.show(`Watching ${folder}. Indexing starts now.`);
      return true;
    } catch (err) {
      if (!(err instanceof DeskCallError && err.code === 'CONFIRM_REQUIRED')) this.toasts.error(err); // declined: nothing to say
      return false;
    }
  }

  async remove(path: string): Promise<void> {
    try {
      this.folders = (await this.api['folders.remove']({ path })).folders;
      await Promise.all([this.loadProblems(), this.loadDocuments()]);
    } catch (err) {
      this.toasts.error(err);
    }
  }

  /** Desktop: the native folder dialog; resolves to the added folder, or null. */
  async pickAndAdd(): Promise<string | null> {
    const { path } = await this.api['folders.pick']({});
    if (path && (await this.add(path))) return path;
    return null;
  }

  async togglePause(): Promise<void> {
    const status = this.isPaused ? await this.api['indexing.resume']({}) : await this.api['indexing.pause']({});
    this.applyStatus(status);
  }

  onProgress(status: IndexStatus): void {
    this.applyStatus(status);
  }

  /** Failed/skipped lists change with these events; coalesce bursts into one reload. */
  onDocumentsChanged(): void {
    clearTimeout(this.problemsTimer);
    this.problemsTimer = setTimeout(() => void this.loadProblems(), 150);
    this.onDocumentIndexed();
  }

  /** A document finished: its row changes status. Coalesced more: the whole list is one call. */
  onDocumentIndexed(): void {
    clearTimeout(this.documentsTimer);
    this.documentsTimer = setTimeout(() => void this.loadDocuments(), 500);
  }

  async filterDocuments(status: DocumentStatus | 'all'): Promise<void> {
    this.statusFilter = status;
    await this.loadDocuments();
  }

  private async loadDocuments(): Promise<void> {
    const status = this.statusFilter;
    const { documents } = await this.api['indexing.documents'](status === 'all' ? {} : { status });
    if (status !== this.statusFilter) return; // a newer filter's answer wins
    this.documents = [...documents].sort((a, b) => a.folder.localeCompare(b.folder) || a.path.localeCompare(b.path));
  }

  private applyStatus(status: IndexStatus): void {
    this.progress = status.folders;
    this.isPaused = status.paused;
  }

  private async loadProblems(): Promise<void> {
    const [failed, skipped] = await Promise.all([
      this.api['indexing.documents']({ status: 'failed' }),
      this.api['indexing.documents']({ status: 'skipped' }),
    ]);
    this.problems = [...failed.documents, ...skipped.documents];
  }
}
