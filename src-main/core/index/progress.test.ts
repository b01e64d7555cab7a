import { describe, expect, it } from 'vitest';
import { ProgressTracker, Throttle } from './progress';
import { WorkQueue } from './work-queue';

describe('ProgressTracker', () => {
  it('counts per folder so that total = queued + done + failed + skipped', () => {
    const tracker = new ProgressTracker();
    const queue = new WorkQueue();
    tracker.setStatus('/f/a.txt', '/f', 'done');
    tracker.setStatus('/f/b.txt', '/f', 'done');
    tracker.setStatus('/f/c.txt', '/f', 'failed');
    tracker.setStatus('/f/d.txt', '/f', 'skipped');
    tracker.setStatus('/g/e.txt', '/g', 'done');
    queue.push({ path: '/f/b.txt', folder: '/f', size: 100 }); // done but changed: counts as queued
    queue.push({ path: '/f/new.txt', folder: '/f', size: 300 });
    tracker.current = { path: '/f/cur.txt', folder: '/f', size: 0 };
    const [f, g] = tracker.snapshot(['/f', '/g'], queue);
    expect(f).toMatchObject({ folder: '/f', total: 6, queued: 3, done: 1, failed: 1, skipped: 1, currentFile: '/f/cur.txt' });
    expect(g).toMatchObject({ folder: '/g', total: 1, queued: 0, done: 1, failed: 0, skipped: 0 });
    expect(g.currentFile).toBeUndefined();
  });

  it('averages tokens per second over recent work and estimates the time left from queued bytes', () => {
    const tracker = new ProgressTracker();
    const queue = new WorkQueue();
    const now = Date.now();
    tracker.recordBatch(1000, 500, now - 20_000); // outside the window: ignored
    tracker.recordBatch(300, 100, now);
    tracker.recordBatch(100, 100, now);
    expect(tracker.tokensPerSecond(now)).toBe(2000);
    tracker.recordDocument(1000, 500); // 0.5 tokens per byte
    queue.push({ path: '/f/a.txt', folder: '/f', size: 8000 });
    const [f] = tracker.snapshot(['/f'], queue);
    expect(f.etaSeconds).toBe(2); // 8000 B × 0.5 tok/B ÷ 2000 tok/s
  });
});

describe('Throttle', () => {
  it('runs at most once per interval and always delivers the last call', async () => {
    let calls = 0;
    const throttle = new Throttle(() => calls++, 50);
    for (let i = 0; i < 20; i++) throttle.schedule();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
    throttle.schedule();
    throttle.schedule();
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(calls).toBe(2);
    throttle.schedule();
    throttle.flush();
    expect(calls).toBe(3);
  });
});
