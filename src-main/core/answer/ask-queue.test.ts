import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { AskQueue } from './ask-queue';

/** A job the test finishes by hand: no timing anywhere. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let started = false;
  return {
    job: async () => {
      started = true;
      await opened;
      return value;
    },
    open: () => open(),
    get started() {
      return started;
    },
  };
}

/** Settles pending promise callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AskQueue', () => {
  it('runs one question at a time, in order, and refuses with BUSY at once past its bound', async () => {
    const queue = new AskQueue({ maxWaiting: 2 });
    const [a, b, c] = [gate('a'), gate('b'), gate('c')];
    const pa = queue.run('w1', a.job);
    const pb = queue.run('w2', b.job);
    const pc = queue.run('w3', c.job);
    await settle();
    expect([a.started, b.started, c.started]).toEqual([true, false, false]);
    expect(queue.depth).toBe(2);
    const busy = await queue.run('w4', async () => 'd').catch((e: unknown) => e);
    expect(isDeskError(busy, 'BUSY')).toBe(true);
    expect(queue.depth).toBe(2); // the refused question took no place
    a.open();
    expect(await pa).toBe('a');
    await settle();
    expect([b.started, c.started]).toEqual([true, false]);
    b.open();
    c.open();
    expect([await pb, await pc]).toEqual(['b', 'c']);
    expect(await queue.run('w4', async () => 'd')).toBe('d'); // room again once drained
  });

  it('lets the latest question of a client win: the waiting one is SUPERSEDED and never runs', async () => {
    const queue = new AskQueue({ maxWaiting: 2 });
    const [first, old, other, latest] = [gate('first'), gate('old'), gate('other'), gate('latest')];
    const pFirst = queue.run('w0', first.job);
    const pOld = queue.run('w1', old.job);
    const pOther = queue.run('w2', other.job);
    const pLatest = queue.run('w1', latest.job); // full queue, but it replaces w1's place rather than being refused
    expect(isDeskError(await pOld.catch((e: unknown) => e), 'SUPERSEDED')).toBe(true);
    first.open();
    latest.open();
    other.open();
    expect([await pFirst, await pLatest, await pOther]).toEqual(['first', 'latest', 'other']);
    expect(old.started).toBe(false);
  });

  it('drops the result of a running question its client replaced', async () => {
    const queue = new AskQueue({ maxWaiting: 2 });
    const [running, newer] = [gate('running'), gate('newer')];
    const pRunning = queue.run('w1', running.job);
    await settle();
    const pNewer = queue.run('w1', newer.job);
    running.open();
    newer.open();
    expect(isDeskError(await pRunning.catch((e: unknown) => e), 'SUPERSEDED')).toBe(true);
    expect(await pNewer).toBe('newer');
  });

  it('keeps errors of a job its own and goes on with the next; no client means never superseded', async () => {
    const queue = new AskQueue({ maxWaiting: 1 });
    const failing = queue.run(undefined, async () => {
      throw new Error('boom');
    });
    const after = queue.run(undefined, async () => 'after');
    await expect(failing).rejects.toThrow('boom');
    expect(await after).toBe('after');
  });

  it('bounds the wait by the recent pace too: on a slow machine fewer questions may wait', async () => {
    let clock = 0;
    const queue = new AskQueue({ maxWaiting: 8, maxWaitMs: 2500, now: () => clock });
    const slow = gate('slow');
    const first = queue.run('w0', slow.job);
    await settle();
    clock += 1000; // the first question took 1 s: two may wait (2 × 1 s ≤ 2.5 s), a third may not
    slow.open();
    await first;
    const [a, b] = [gate('a'), gate('b')];
    const running = queue.run('w1', a.job);
    const waiting = [queue.run('w2', b.job), queue.run('w3', async () => 'c')];
    const busy = await queue.run('w4', async () => 'd').catch((e: unknown) => e);
    expect(isDeskError(busy, 'BUSY')).toBe(true);
    a.open();
    b.open();
    expect([await running, ...(await Promise.all(waiting))]).toEqual(['a', 'b', 'c']);
  });
});
