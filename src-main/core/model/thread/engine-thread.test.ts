import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../../errors';
import { tinyBertDir } from '../../testing/paths';
import { Engine } from '../engine';
import { readGolden, sameBits } from '../golden-fixtures';
import type { Segment, SpanLogits } from '../types';
import { EngineThread } from './engine-thread';

const golden = readGolden(tinyBertDir);
const passages: Segment[] = golden.cases.map((c) => ({
  ids: Int32Array.from(c.deformer.passage_segment.input_ids),
  offsets: c.deformer.passage_segment.input_ids.map(() => [-1, -1] as [number, number]),
}));

function expectSameLogits(got: SpanLogits[], want: SpanLogits[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((l, i) => {
    expect(l.questionTokens).toBe(want[i].questionTokens);
    expect(sameBits(l.start, want[i].start) && sameBits(l.end, want[i].end)).toBe(true);
  });
}

describe('EngineThread (an engine in a worker thread: the indexer’s lower pass, the reader’s ask)', () => {
  let cacheDir: string;
  let thread: EngineThread;
  let engine: Engine;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'desk-thread-'));
    const options = { k: 2, cacheDir, provider: 'cpu' as const, threads: 1, passageOffset: 3, openFirst: 'ask' as const };
    engine = await Engine.open(tinyBertDir, options);
    thread = await EngineThread.open(tinyBertDir, options);
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

  it('answers ask, upper and full passes bit-identically, leaving the caller’s arrays usable', async () => {
    const states = await engine.lowerPassages(passages);
    const question = thread.questionSegment('Who discovered polonium?');
    expect(Array.from(question.ids)).toEqual(Array.from(engine.questionSegment('Who discovered polonium?').ids));
    expectSameLogits(await thread.askPass(question, states), await engine.askPass(question, states));
    expect(states[0].data.length).toBe(states[0].tokens * states[0].hidden); // not detached by the transfer
    const encoded = await thread.encodeQuestion('Who discovered polonium?');
    expect(sameBits(encoded.lowerStates.data, (await engine.encodeQuestion('Who discovered polonium?')).lowerStates.data)).toBe(true);
    expectSameLogits(await thread.upperPass(encoded.lowerStates, states), await engine.upperPass(encoded.lowerStates, states));
    expectSameLogits(await thread.fullPass(question, passages), await engine.fullPass(question, passages));
    expect(() => thread.questionSegment('   ')).toThrow(expect.objectContaining({ code: 'QUESTION_EMPTY' }));
  });

  it('passes the engine’s errors through as DeskErrors, for opening and for a pass', async () => {
    const err = await EngineThread.open(join(cacheDir, 'no-such-model'), { k: 2, cacheDir, provider: 'cpu' }).catch((e: unknown) => e);
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
    const other = await EngineThread.open(tinyBertDir, { k: 1, cacheDir, provider: 'cpu', threads: 1 });
    await other.close();
    const err = await other.lowerPassages(passages.slice(0, 1)).catch((e: unknown) => e);
    expect(isDeskError(err, 'INTERNAL')).toBe(true);
  });
});
