/**
 * Entry of an engine thread (see engine-thread.ts): one Engine, passes run one at a time in the
 * order they arrive, outputs sent back by transferring their buffers (no copy). Every request is
 * checked against the protocol before it runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../../errors';
import { Engine } from '../engine';
import type { LowerStates, SpanLogits } from '../types';
import { EngineThreadDataSchema, ThreadRequestSchema, type ThreadReply, type ThreadRequest } from './engine-thread-protocol';

const port = parentPort!;
const post = (reply: ThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const segment = (ids: Int32Array) => ({ ids, offsets: [] });

/** The distinct buffers under some arrays (outputs are views of one batch tensor: transfer each once). */
function buffersOf(arrays: Float32Array[]): ArrayBuffer[] {
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

function sendStates(id: number, states: LowerStates[]): void {
  post({ kind: 'states', id, states }, buffersOf(states.map((s) => s.data)));
}

function sendLogits(id: number, logits: SpanLogits[]): void {
  post({ kind: 'logits', id, logits }, buffersOf(logits.flatMap((l) => [l.start, l.end])));
}

async function serve(engine: Engine, request: Exclude<ThreadRequest, { kind: 'close' }>): Promise<void> {
  switch (request.kind) {
    case 'lowerPassages':
      return sendStates(request.id, await engine.lowerPassages(request.segments.map(segment)));
    case 'lowerQuestion':
      return sendStates(request.id, [await engine.lowerQuestion(segment(request.question))]);
    case 'upper':
      return sendLogits(request.id, await engine.upperPass(request.question, request.passages));
    case 'ask':
      return sendLogits(request.id, await engine.askPass(segment(request.question), request.passages));
    case 'full':
      return sendLogits(request.id, await engine.fullPass(segment(request.question), request.passages.map(segment)));
  }
}

try {
  const { checkpointDir, options } = EngineThreadDataSchema.parse(workerData);
  const engine = await Engine.open(checkpointDir, options);
  post({ kind: 'ready', config: engine.config, fingerprint: engine.fingerprint, provider: engine.provider });
  // One pass at a time, in arrival order: callers queue the next one while one runs.
  let queue = Promise.resolve();
  port.on('message', (message: unknown) => {
    queue = queue.then(async () => {
      const parsed = ThreadRequestSchema.safeParse(message);
      if (!parsed.success) {
        const id = (message as { id?: unknown })?.id;
        const error = { code: 'INTERNAL' as const, message: `engine thread: a request outside the protocol: ${parsed.error.message}` };
        return post({ kind: 'failed', id: typeof id === 'number' && id >= 0 ? id : 0, error });
      }
      const request = parsed.data;
      if (request.kind === 'close') {
        await engine.close();
        return post({ kind: 'closed' });
      }
      try {
        await serve(engine, request);
      } catch (err) {
        post({ kind: 'failed', id: request.id, error: toWire(err) });
      }
    });
  });
} catch (err) {
  post({ kind: 'failed', id: 0, error: toWire(err) });
}
