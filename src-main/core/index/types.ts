import type { DocumentRecord, Precision } from '../store/types';

/** Indexing settings a person can change. */
export interface IndexSettings {
  /** Per-file size cap in bytes (default 50 MB): bigger files are "skipped: too large". */
  maxFileBytes: number;
  windowTokens: number; // W, default 320
  overlapTokens: number; // O, default 64
  precision: Precision;
  /** Weights of the lower pass (int8 states are another cache: CacheIdentity.lowerWeights); absent = fp32. */
  weights?: 'fp32' | 'int8';
  /** Passages per lower-pass batch. */
  batchSize: number;
  /** OCR of PDF pages without a text layer and of images; absent means on. */
  ocr?: boolean;
}

/** Options of LibraryApi.addFolder. */
export interface AddFolderOptions {
  /** The person was asked and agreed (a folder with very many files, or on a network file system). */
  confirm?: boolean;
}

/** Progress of one watched folder. */
export interface FolderProgress {
  folder: string;
  total: number;
  queued: number;
  done: number;
  failed: number;
  skipped: number;
  currentFile?: string;
  /** A step inside the current file: "OCR page 12/40", "passage 256 of about 900". */
  currentStep?: string;
  /** Why changes in the folder are not being watched (e.g. the system's inotify limit), in words. */
  watchError?: string;
  tokensPerSecond: number;
  etaSeconds?: number;
}

/** Events the indexer emits; the UI and CLI render them. Named for what happened. */
export type IndexEvent =
  | { type: 'indexProgress'; folders: FolderProgress[]; paused: boolean }
  | { type: 'documentIndexed'; path: string; passages: number; tokens: number }
  | { type: 'documentFailed'; path: string; status: 'failed' | 'skipped'; code: string; reason: string }
  | { type: 'documentRemoved'; path: string }
  | { type: 'indexIdle' };

/** The indexer as the service sees it (implemented in index/library.ts). */
export interface LibraryApi {
  /**
   * Starts watching and indexing a folder. Throws CONFIRM_REQUIRED (the reasons in the message)
   * for a folder with very many files or on a network file system unless `confirm` is set.
   */
  addFolder(folder: string, opts?: AddFolderOptions): Promise<void>;
  removeFolder(folder: string): Promise<void>;
  listFolders(): string[];
  documents(folder?: string): DocumentRecord[];
  progress(): { folders: FolderProgress[]; paused: boolean };
  pause(): void;
  resume(): void;
  /** Resolves when the queue is empty and nothing is being encoded. */
  whenIdle(): Promise<void>;
  onEvent(listener: (event: IndexEvent) => void): () => void;
  close(): Promise<void>;
}
