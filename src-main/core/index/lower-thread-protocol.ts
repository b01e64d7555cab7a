/** Messages between the indexer and its lower-pass thread (lower-thread.ts ↔ lower-thread-worker.ts). */
import type { WireError } from '../errors';
import type { EngineOpenOptions } from '../model/engine';
import type { LowerStates, ModelConfig, QaEngine } from '../model/types';

/** What the thread opens its engine with (structured-cloned: no functions). */
export interface LowerThreadData {
  checkpointDir: string;
  options: Omit<EngineOpenOptions, 'log'>;
}

export type ThreadRequest = { kind: 'lower'; id: number; segments: Int32Array[] } | { kind: 'close' };

export type ThreadReply =
  | { kind: 'ready'; config: ModelConfig; fingerprint: string; provider: QaEngine['provider'] }
  | { kind: 'states'; id: number; states: LowerStates[] }
  /** id 0: the engine could not be opened. */
  | { kind: 'failed'; id: number; error: WireError }
  | { kind: 'closed' };
