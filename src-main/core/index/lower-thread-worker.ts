/**
 * Entry of the lower-pass thread (see lower-thread.ts): one Engine, passage lower passes in
 * the order they arrive, states sent back by transferring their buffers (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../errors';
import { Engine } from '../model/engine';
import type { LowerThreadData, ThreadReply, ThreadRequest } from './lower-thread-protocol';

const port = parentPort!;
const { checkpointDir, options } = workerData as LowerThreadData;
const post = (reply: ThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

try {
  const engine = await Engine.open(checkpointDir, { ...options, openFirst: 'lower' });
  post({ kind: 'ready', config: engine.config, fingerprint: engine.fingerprint, provider: engine.provider });
  // One pass at a time, in arrival order: the indexer queues the next batch while one runs.
  let queue = Promise.resolve();
  port.on('message', (request: ThreadRequest) => {
    queue = queue.then(async () => {
      if (request.kind === 'close') {
        await engine.close();
        return post({ kind: 'closed' });
      }
      try {
        const states = await engine.lowerPassages(request.segments.map((ids) => ({ ids, offsets: [] })));
        // Every state is a view of the batch's one output buffer: transfer it once.
        const buffers = [...new Set(states.map((s) => s.data.buffer as ArrayBuffer))];
        post({ kind: 'states', id: request.id, states }, buffers);
      } catch (err) {
        post({ kind: 'failed', id: request.id, error: toWire(err) });
      }
    });
  });
} catch (err) {
  post({ kind: 'failed', id: 0, error: toWire(err) });
}
