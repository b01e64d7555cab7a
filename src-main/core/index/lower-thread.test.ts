import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { Engine } from '../model/engine';
import { readGolden, sameBits } from '../model/golden-fixtures';
import type { Segment } from '../model/types';
import { tinyBertDir } from '../testing/paths';
import { LowerPassThread } from './lower-thread';

const golden = readGolden(tinyBertDir);
const passages: Segment[] = golden.cases.map((c) => ({
  ids: Int32Array.from(c.deformer.passage_segment.input_ids),
  offsets: c.deformer.passage_segment.input_ids.map(() => [-1, -1] as [number, number]),
}));

describe('LowerPassThread (the indexer lower pass in a worker thread)', () => {
  let cacheDir: string;
  let thread: LowerPassThread;
  let engine: Engine;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'desk-thread-'));
    engine = await Engine.open(tinyBertDir, { k: 2, cacheDir, provider: 'cpu', threads: 1, passageOffset: 3 });
    thread = await LowerPassThread.open(tinyBertDir, { k: 2, cacheDir, provider: 'cpu', threads: 1, passageOffset: 3 });
  });

  afterAll(async () => {
    await Promise.all([thread.close(), engine.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reports the engine it runs and gives bit-identical states, batches queued back to back', async () => {
    expect(thread.fingerprint).toBe(engine.fingerprint);
    expect(thread.config).toEqual(engine.config);
    expect([thread.k, thread.passageOffset, thread.provider.name]).toEqual([2, 3, 'cpu']);
    const expected = await engine.lowerPassages(passages);
    // Two calls in flight at once, as the indexer queues them: each answers its own batch.
    const [first, second] = await Promise.all([thread.lowerPassages(passages.slice(0, 2)), thread.lowerPassages(passages.slice(2))]);
    [...first, ...second].forEach((states, i) => {
      expect(states.tokens).toBe(expected[i].tokens);
      expect(states.hidden).toBe(expected[i].hidden);
      expect(sameBits(states.data, expected[i].data)).toBe(true);
    });
  });

  it('passes the engine’s errors through as DeskErrors, for opening and for a pass', async () => {
    const err = await LowerPassThread.open(join(cacheDir, 'no-such-model'), { k: 2, cacheDir, provider: 'cpu' }).catch((e: unknown) => e);
    const direct = await Engine.open(join(cacheDir, 'no-such-model'), { k: 2, cacheDir, provider: 'cpu' }).catch((e: unknown) => e);
    expect(isDeskError(err) && isDeskError(direct) && err.code === direct.code).toBe(true);
    const tooLong = { ids: new Int32Array(engine.config.maxPositions + 1).fill(5), offsets: [] };
    const passErr = await thread.lowerPassages([tooLong]).catch((e: unknown) => e);
    expect(passErr).toBeInstanceOf(Error);
    expect((passErr as Error).message).toMatch(/position/);
    // The thread is still serving after a failed pass.
    expect((await thread.lowerPassages(passages.slice(0, 1)))[0].tokens).toBe(passages[0].ids.length);
  });

  it('refuses work after close instead of hanging', async () => {
    const other = await LowerPassThread.open(tinyBertDir, { k: 1, cacheDir, provider: 'cpu', threads: 1 });
    await other.close();
    const err = await other.lowerPassages(passages.slice(0, 1)).catch((e: unknown) => e);
    expect(isDeskError(err, 'INTERNAL')).toBe(true);
  });
});
