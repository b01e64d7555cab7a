import { lowerWeightsFor } from '../model/lower-weights';
import { loadTokenizer } from '../model/tokenizer';
import type { LowerEncoder, ProviderName, Tokenizer } from '../model/types';
import { LibraryStore } from '../store/store';
import { identityOf } from '../store/cache-key';
import type { LibraryStoreApi } from '../store/types';
import { EngineThread } from '../model/thread/engine-thread';
import type { IndexSettings } from './types';

/** Everything the runtime is built from; a change in any of the identity fields resets the store. */
export interface RuntimeOptions {
  dbDir: string;
  model: string | null;
  k: number;
  passageOffset: number;
  provider?: ProviderName;
  cacheDir: string;
  threads?: number;
  settings: IndexSettings;
  defaultTokenizerDir: string;
}

/** The parts a library indexes with: store, engine (null without a model), tokenizer, settings. */
export interface Runtime {
  readonly options: RuntimeOptions;
  readonly store: LibraryStoreApi;
  /** The lower pass, in its own thread (null without a model). */
  readonly engine: LowerEncoder | null;
  readonly tokenizer: Tokenizer;
  readonly settings: IndexSettings;
  close(): Promise<void>;
}

/** Fingerprint recorded in the cache identity when passages are stored without lower states. */
export { noModelFingerprint } from '../store/cache-key';

/**
 * Opens engine, tokenizer and store. With `previous`, parts whose inputs did not change are
 * reused; the new engine is opened BEFORE anything of the old runtime is closed, so a bad
 * checkpoint leaves the old runtime working.
 */
export async function openRuntime(options: RuntimeOptions, previous?: Runtime): Promise<Runtime> {
  const sameEngine = previous && engineKey(previous.options) === engineKey(options);
  const engine = sameEngine ? previous.engine : options.model ? await openEngine(options) : null;
  try {
    const tokenizer =
      previous && previous.options.model === options.model
        ? previous.tokenizer
        : await loadTokenizer(options.model ?? options.defaultTokenizerDir);
    if (previous) {
      if (!sameEngine) await previous.engine?.close();
      await previous.store.close();
    }
    const identity = identityOf(engine?.fingerprint ?? null, { k: options.k, passageOffset: options.passageOffset, lowerWeights: indexLowerWeights(options) }, options.settings);
    const store = await LibraryStore.open(options.dbDir, identity, { onMismatch: 'reset' });
    // The indexer is the one writer: what a crash left half-written is its to remove.
    await store.dropUnfinished();
    return {
      options,
      store,
      engine,
      tokenizer,
      settings: options.settings,
      close: async () => {
        await engine?.close();
        await store.close();
      },
    };
  } catch (err) {
    if (!sameEngine) await engine?.close();
    throw err;
  }
}

function openEngine(options: RuntimeOptions): Promise<LowerEncoder> {
  return EngineThread.open(options.model!, {
    k: options.k,
    passageOffset: options.passageOffset,
    provider: options.provider,
    cacheDir: options.cacheDir,
    threads: options.threads,
    lowerWeights: indexLowerWeights(options),
  });
}

/** The lower pass's weights: the `weights` setting where the state codec allows (model/lower-weights.ts). */
function indexLowerWeights(options: RuntimeOptions): 'fp32' | 'int8' {
  return lowerWeightsFor(options.settings.weights ?? 'fp32', options.settings.precision);
}

function engineKey(o: RuntimeOptions): string {
  return JSON.stringify([o.model, o.k, o.passageOffset, o.provider, o.threads, o.cacheDir, indexLowerWeights(o)]);
}
