/**
 * An Engine in its own worker thread. ONNX Runtime's `run` is synchronous on the thread that
 * calls it (a 450 ms run stalls every timer, IPC message and HTTP request of that thread for
 * 450 ms), so no thread that serves requests may call it: the indexer's lower pass and the
 * reader's `ask` both go through an EngineThread. Same engine, same outputs (tested bit-identical).
 * Tokenizing the question stays here: it is fast and `questionSegment` is synchronous.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeskError, fromWire, type WireError } from '../../errors';
import type { EngineOpenOptions } from '../engine';
import { defaultMaxQuestionTokens } from '../engine';
import { loadTokenizer } from '../tokenizer';
import type { EncodedQuestion, LowerStates, ModelConfig, QaEngine, Segment, SpanLogits, Tokenizer } from '../types';
import { ThreadReplySchema, type EngineThreadData, type ThreadReply, type ThreadRequest } from './engine-thread-protocol';

interface Waiter {
  resolve(reply: ThreadReply): void;
  reject(err: Error): void;
}

type Work = Exclude<ThreadRequest, { kind: 'close' }>;
/** A request as the caller builds it; `id` is added on sending. */
type WorkBody = Work extends infer W ? (W extends Work ? Omit<W, 'id'> : never) : never;

/** A reply checked against the protocol; a reply outside it is a bug in the worker. */
function checked(message: unknown): ThreadReply {
  const parsed = ThreadReplySchema.safeParse(message);
  if (!parsed.success) throw new DeskError('INTERNAL', `engine thread: a reply outside the protocol: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Copies states into one new buffer (views of it), to transfer without detaching the caller's
 * arrays (they may be the store's or a test's, still in use).
 */
function packed(states: LowerStates[]): { states: LowerStates[]; buffer: ArrayBuffer } {
  const all = new Float32Array(states.reduce((n, s) => n + s.data.length, 0));
  let at = 0;
  const views = states.map((s) => {
    all.set(s.data, at);
    const data = all.subarray(at, (at += s.data.length));
    return { data, tokens: s.tokens, hidden: s.hidden };
  });
  return { states: views, buffer: all.buffer };
}

export class EngineThread implements QaEngine {
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
    private readonly tokenizer: Tokenizer | null,
    private readonly maxQuestionTokens: number,
  ) {
    worker.on('message', (message: unknown) => this.receive(message));
    worker.on('error', (err) => this.fail(`the engine thread failed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`the engine thread exited (code ${code})`));
  }

  /**
   * Starts the thread and opens the engine in it; rejects as Engine.open would. The tokenizer is
   * loaded here only for a reader (`openFirst: 'ask'`): an indexer tokenizes on its own.
   */
  static async open(checkpointDir: string, options: EngineOpenOptions): Promise<EngineThread> {
    const { log: _log, debugHiddenStates: _debug, ...cloneable } = options; // functions cannot cross to the thread
    const data: EngineThreadData = { checkpointDir, options: cloneable };
    const worker = startWorker(data);
    const ready = new Promise<Extract<ThreadReply, { kind: 'ready' }>>((resolve, reject) => {
      const early = (why: Error) => reject(why);
      const exited = (code: number) => reject(new DeskError('INTERNAL', `the engine thread exited (code ${code}) before its engine opened`));
      worker.once('error', early);
      worker.once('exit', exited);
      worker.once('message', (message: unknown) => {
        worker.off('error', early);
        worker.off('exit', exited);
        try {
          const reply = checked(message);
          if (reply.kind === 'ready') return resolve(reply);
          reject(reply.kind === 'failed' ? fromWire(reply.error as WireError) : new Error(`engine thread: unexpected ${reply.kind}`));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    try {
      const [reply, tokenizer] = await Promise.all([ready, options.openFirst === 'ask' ? loadTokenizer(checkpointDir) : null]);
      const P = options.passageOffset ?? reply.config.deformer?.passageOffset ?? 0;
      const maxQ = options.maxQuestionTokens ?? defaultMaxQuestionTokens;
      return new EngineThread(worker, reply.config, reply.fingerprint, reply.provider, options.k, P, tokenizer, maxQ);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  lowerPassages(segments: Segment[]): Promise<LowerStates[]> {
    const request = { kind: 'lowerPassages' as const, segments: segments.map((s) => Int32Array.from(s.ids)) };
    return this.call(request, request.segments.map((ids) => ids.buffer as ArrayBuffer)).then(statesOf);
  }

  questionSegment(text: string): Segment {
    if (!this.tokenizer) throw new Error('engine thread: opened without a tokenizer (openFirst "ask" loads one)');
    if (!text.trim()) throw new DeskError('QUESTION_EMPTY', 'The question is empty.');
    return this.tokenizer.questionSegment(text, this.maxQuestionTokens);
  }

  async encodeQuestion(text: string): Promise<EncodedQuestion> {
    const segment = this.questionSegment(text);
    const question = Int32Array.from(segment.ids);
    const [lowerStates] = statesOf(await this.call({ kind: 'lowerQuestion', question }, [question.buffer as ArrayBuffer]));
    return { text, segment, lowerStates };
  }

  async upperPass(question: LowerStates, passages: LowerStates[]): Promise<SpanLogits[]> {
    if (passages.length === 0) return [];
    const both = packed([question, ...passages]);
    const [q, ...p] = both.states;
    return logitsOf(await this.call({ kind: 'upper', question: q, passages: p }, [both.buffer]));
  }

  async askPass(question: Segment, passages: LowerStates[]): Promise<SpanLogits[]> {
    if (passages.length === 0) return [];
    const ids = Int32Array.from(question.ids);
    const { states, buffer } = packed(passages);
    return logitsOf(await this.call({ kind: 'ask', question: ids, passages: states }, [ids.buffer as ArrayBuffer, buffer]));
  }

  async fullPass(question: Segment, passages: Segment[]): Promise<SpanLogits[]> {
    const ids = [question, ...passages].map((s) => Int32Array.from(s.ids));
    const [q, ...p] = ids;
    return logitsOf(await this.call({ kind: 'full', question: q, passages: p }, ids.map((a) => a.buffer as ArrayBuffer)));
  }

  /** Releases the engine's sessions in the thread, then ends the thread. */
  async close(): Promise<void> {
    if (this.gone) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const closed = new Promise<void>((resolve) => this.worker.on('message', (m: { kind?: string }) => m?.kind === 'closed' && resolve()));
    this.worker.postMessage({ kind: 'close' } satisfies ThreadRequest);
    await Promise.race([closed, exited]);
    this.gone = 'the engine thread is closed';
    await this.worker.terminate();
  }

  private call(body: WorkBody, transfer: ArrayBuffer[]): Promise<ThreadReply> {
    if (this.gone) return Promise.reject(new DeskError('INTERNAL', this.gone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id } satisfies ThreadRequest, transfer);
    });
  }

  private receive(message: unknown): void {
    let reply: ThreadReply;
    try {
      reply = checked(message);
    } catch (err) {
      return this.fail((err as Error).message);
    }
    if (reply.kind === 'ready' || reply.kind === 'closed') return;
    const waiter = this.waiters.get(reply.id);
    this.waiters.delete(reply.id);
    if (reply.kind === 'failed') waiter?.reject(fromWire(reply.error as WireError));
    else waiter?.resolve(reply);
  }

  private fail(why: string): void {
    this.gone ??= why;
    for (const waiter of this.waiters.values()) waiter.reject(new DeskError('INTERNAL', why));
    this.waiters.clear();
  }
}

function statesOf(reply: ThreadReply): LowerStates[] {
  if (reply.kind !== 'states') throw new DeskError('INTERNAL', `engine thread: expected states, got ${reply.kind}`);
  return reply.states;
}

function logitsOf(reply: ThreadReply): SpanLogits[] {
  if (reply.kind !== 'logits') throw new DeskError('INTERNAL', `engine thread: expected logits, got ${reply.kind}`);
  return reply.logits;
}

/**
 * From the sources: the .ts entry through tsx (ts-worker-boot.mjs). Built (electron-vite): the
 * .js entry beside the bundle's entries, which is this module's folder or, when the bundler moved
 * this module into a shared chunk, the folder above.
 */
function startWorker(data: EngineThreadData): Worker {
  const here = import.meta.dirname;
  const ts = join(here, 'engine-thread-worker.ts');
  if (existsSync(ts)) return new Worker(join(here, 'ts-worker-boot.mjs'), { workerData: { ...data, tsEntry: pathToFileURL(ts).href } });
  const built = [here, join(here, '..')].map((dir) => join(dir, 'engine-thread-worker.js')).find((path) => existsSync(path));
  if (!built) throw new DeskError('INTERNAL', `The engine thread's entry engine-thread-worker.js is missing beside ${here}.`);
  return new Worker(built, { workerData: data });
}
