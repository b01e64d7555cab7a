import type { watch } from 'chokidar';
import type { ProviderName } from '../model/types';
import type { StoreStats } from '../store/types';
import type { RuntimeOptions } from './runtime';
import { defaultIndexSettings, defaultTokenizerDir } from './settings';
import type { IndexEvent, IndexSettings, LibraryApi } from './types';

/** How to open a library. */
export interface LibraryOptions {
  /** The LMDB environment's folder. */
  dbDir: string;
  /** Checkpoint folder, or null: search-only (passages and terms, no lower states). */
  model: string | null;
  /** DeFormer split point. */
  k: number;
  passageOffset?: number;
  provider?: ProviderName;
  /** Where the engine caches built ONNX graphs. */
  cacheDir: string;
  threads?: number;
  settings?: Partial<IndexSettings>;
  /** tokenizer.json folder for cutting passages without a model (default resources/tokenizer). */
  defaultTokenizerDir?: string;
  /** Keep watching folders after the start-up scan (default true). */
  watch?: boolean;
  /** How long a file must stop changing before the watcher reports it (default 500 ms). */
  writeSettleMs?: number;
  /** indexProgress events at most this often (default 100 ms); 0: one for every change, as it happens. */
  progressIntervalMs?: number;
  /** Files and folders above which addFolder asks first (folder-checks.ts; default 20,000). */
  maxFolderEntries?: number;
  /** The mount table file system types are read from (default /proc/mounts; tests pass a fixture). */
  mountsPath?: string;
  /**
   * In-process tests only (a function does not cross to the indexer process): chokidar's `watch`,
   * wrapped to inject a watcher failure (ENOSPC) that no safe real setup can cause on a shared machine.
   */
  watchFn?: typeof watch;
}

/** What `reconfigure` may change; anything in the cache identity re-encodes the library. */
export type LibraryChanges = Partial<Pick<LibraryOptions, 'model' | 'k' | 'passageOffset' | 'provider' | 'threads'> & IndexSettings>;

/** Listeners attached before the start-up scan, so no early event is missed. */
export interface LibraryHooks {
  onEvent?: (event: IndexEvent) => void;
  onDocumentsChanged?: (paths: string[]) => void;
}

/** The service API plus what hosts need: served in-process by Library, across processes by IndexerHost. */
export interface LibraryControl extends LibraryApi {
  /**
   * Swaps model, k, P, precision, W/O or other settings. A new engine is opened first (a bad
   * checkpoint throws and changes nothing); when the cache identity changes the store resets
   * and every document is re-encoded in the background.
   */
  reconfigure(changes: LibraryChanges): Promise<void>;
  /** Cache counts (documents, passages, tokens, state bytes). */
  stats(): Promise<StoreStats>;
}

/** Library options with every default filled in, as the runtime takes them. */
export function runtimeOptions(options: LibraryOptions): RuntimeOptions {
  return {
    dbDir: options.dbDir,
    model: options.model,
    k: options.k,
    passageOffset: options.passageOffset ?? 0,
    provider: options.provider,
    cacheDir: options.cacheDir,
    threads: options.threads,
    settings: { ...defaultIndexSettings, ...options.settings },
    defaultTokenizerDir: options.defaultTokenizerDir ?? defaultTokenizerDir,
  };
}

/** `options` with the defined fields of `changes` applied. */
export function applyChanges(options: LibraryOptions, changes: LibraryChanges): LibraryOptions {
  const { model, k, passageOffset, provider, threads, ...settings } = changes;
  const defined = <T>(value: T | undefined, fallback: T) => (value === undefined ? fallback : value);
  return {
    ...options,
    model: defined(model, options.model),
    k: defined(k, options.k),
    passageOffset: defined(passageOffset, options.passageOffset),
    provider: defined(provider, options.provider),
    threads: defined(threads, options.threads),
    settings: { ...options.settings, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) },
  };
}
