/**
 * The indexer's lower pass in its own thread. ONNX Runtime's `run` is synchronous on the
 * thread that calls it, so in the indexer's main thread every batch would stop extraction,
 * tokenizing and the LMDB commit of the previous documents for its whole duration; here they
 * go on while the next batch encodes. Same engine, same states (tested bit-identical).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeskError, fromWire } from '../errors';
import type { EngineOpenOptions } from '../model/engine';
import type { LowerEncoder, LowerStates, ModelConfig, QaEngine, Segment } from '../model/types';
import type { LowerThreadData, ThreadReply, ThreadRequest } from './lower-thread-protocol';

interface Waiter {
  resolve(states: LowerStates[]): void;
  reject(err: Error): void;
}

export class LowerPassThread implements LowerEncoder {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private gone: string | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly config: ModelConfig,
    readonly fingerprint: string,
    readonly provider: QaEngine['provider'],
    readonly k: number,
    readonly passageOffset: number,
  ) {
    worker.on('message', (reply: ThreadReply) => this.receive(reply));
    worker.on('error', (err) => this.fail(`the lower-pass thread failed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`the lower-pass thread exited (code ${code})`));
  }

  /** Starts the thread and opens the engine in it; rejects as Engine.open would. */
  static open(checkpointDir: string, options: EngineOpenOptions): Promise<LowerPassThread> {
    const { log: _log, ...cloneable } = options; // functions cannot cross to the thread
    const data: LowerThreadData = { checkpointDir, options: cloneable };
    const worker = startWorker(data);
    return new Promise((resolve, reject) => {
      const early = (why: Error) => reject(why);
      const exited = (code: number) => reject(new DeskError('INTERNAL', `the lower-pass thread exited (code ${code}) before its engine opened`));
      worker.once('error', early);
      worker.once('exit', exited);
      worker.once('message', (reply: ThreadReply) => {
        worker.off('error', early);
        worker.off('exit', exited);
        if (reply.kind === 'ready') {
          resolve(new LowerPassThread(worker, reply.config, reply.fingerprint, reply.provider, options.k, options.passageOffset ?? 0));
        } else {
          void worker.terminate();
          reject(reply.kind === 'failed' ? fromWire(reply.error) : new Error(`lower-pass thread: unexpected ${reply.kind}`));
        }
      });
    });
  }

  lowerPassages(segments: Segment[]): Promise<LowerStates[]> {
    if (this.gone) return Promise.reject(new DeskError('INTERNAL', this.gone));
    const id = this.nextId++;
    const request: ThreadRequest = { kind: 'lower', id, segments: segments.map((s) => Int32Array.from(s.ids)) };
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.worker.postMessage(request, request.segments.map((ids) => ids.buffer as ArrayBuffer));
    });
  }

  /** Releases the engine's sessions in the thread, then ends the thread. */
  async close(): Promise<void> {
    if (this.gone) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const closed = new Promise<void>((resolve) => this.worker.on('message', (reply: ThreadReply) => reply.kind === 'closed' && resolve()));
    this.worker.postMessage({ kind: 'close' } satisfies ThreadRequest);
    await Promise.race([closed, exited]);
    this.gone = 'the lower-pass thread is closed';
    await this.worker.terminate();
  }

  private receive(reply: ThreadReply): void {
    if (reply.kind !== 'states' && reply.kind !== 'failed') return;
    const waiter = this.waiters.get(reply.id);
    this.waiters.delete(reply.id);
    if (reply.kind === 'states') waiter?.resolve(reply.states);
    else waiter?.reject(fromWire(reply.error));
  }

  private fail(why: string): void {
    this.gone ??= why;
    for (const waiter of this.waiters.values()) waiter.reject(new DeskError('INTERNAL', why));
    this.waiters.clear();
  }
}

/**
 * From the sources: the .ts entry through tsx (ts-worker-boot.mjs). Built (electron-vite): the
 * .js entry beside indexer.js, which is this module's folder or, when the bundler moved this
 * module into a shared chunk, the folder above.
 */
function startWorker(data: LowerThreadData): Worker {
  const here = import.meta.dirname;
  const ts = join(here, 'lower-thread-worker.ts');
  if (existsSync(ts)) return new Worker(join(here, 'ts-worker-boot.mjs'), { workerData: { ...data, tsEntry: pathToFileURL(ts).href } });
  const built = [here, join(here, '..')].map((dir) => join(dir, 'lower-thread-worker.js')).find((path) => existsSync(path));
  if (!built) throw new DeskError('INTERNAL', `The lower-pass thread's entry lower-thread-worker.js is missing beside ${here}.`);
  return new Worker(built, { workerData: data });
}
