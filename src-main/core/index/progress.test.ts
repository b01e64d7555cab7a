import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProgressTracker, Throttle } from './progress';
import { passageStep } from './sync-document';
import { cleanup, openLogged, prose, tempDir, tinyChunkWindows as chunkWindows, tinyOptions, writeFiles } from './test-kit';
import { mixedPdf } from '../text/testing-scans';
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

describe('ProgressTracker steps', () => {
  it('keeps a file in a step (OCR) current while others go through the lower pass, then follows them', () => {
    const tracker = new ProgressTracker();
    const queue = new WorkQueue();
    const scan = { path: '/f/scan.pdf', folder: '/f', size: 10 };
    const note = { path: '/f/note.txt', folder: '/f', size: 10 };
    queue.push(scan);
    queue.push(note);
    tracker.setStep(scan, 'OCR page 3/12');
    tracker.setWorking(note);
    expect(tracker.snapshot(['/f'], queue)[0]).toMatchObject({ currentFile: scan.path, currentStep: 'OCR page 3/12' });
    tracker.endStep(scan.path);
    tracker.setWorking(note);
    const [f] = tracker.snapshot(['/f'], queue);
    expect(f.currentFile).toBe(note.path);
    expect(f.currentStep).toBeUndefined();
  });

  it('counts a file whose lower pass is done as done before its group is stored, once', () => {
    const tracker = new ProgressTracker();
    for (const name of ['a', 'b', 'c']) tracker.setStatus(`/f/${name}.txt`, '/f', 'queued');
    const pending = ['a', 'b', 'c'].map((name) => ({ path: `/f/${name}.txt`, folder: '/f', size: 1 }));
    tracker.markLowered('/f/a.txt');
    expect(tracker.snapshot(['/f'], pending)[0]).toMatchObject({ total: 3, done: 1, queued: 2 });
    tracker.setStatus('/f/a.txt', '/f', 'done'); // stored
    tracker.settle('/f/a.txt');
    expect(tracker.snapshot(['/f'], pending.slice(1))[0]).toMatchObject({ total: 3, done: 1, queued: 2 });
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

describe('progress of a real library indexing a folder', () => {
  const root = tempDir('progress');
  afterAll(() => cleanup(root));

  it('counts files as each one finishes, names the one being worked on, and shows passages inside a long one', async () => {
    const docs = join(root, 'docs');
    const names = Array.from({ length: 7 }, (_, i) => `note-${i}.txt`);
    // Short notes of one passage each, so lower-pass batches of one window finish one file at a time.
    writeFiles(docs, Object.fromEntries(names.map((name, i) => [name, `Note ${i}: the meadow near the castle.`])));
    // A long one streams in chunks: it shows "passage n of about N" while it encodes.
    writeFiles(docs, { 'long.txt': prose(3, 4 * chunkWindows) });
    const all = [...names, 'long.txt'].map((name) => join(docs, name));
    // Every change emitted as it happens (no throttle), so what is observed does not depend on timing.
    const { library, log } = await openLogged(tinyOptions(join(root, 'db'), join(root, 'graphs'), { progressIntervalMs: 0, settings: { batchSize: 1 } }));
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      const seen = log.of('indexProgress').flatMap((e) => e.folders).filter((f) => f.folder === docs);
      const finished = seen.map((f) => f.done + f.failed + f.skipped);
      for (let i = 1; i < finished.length; i++) expect(finished[i]).toBeGreaterThanOrEqual(finished[i - 1]);
      // Every count from 1 to 8 is shown: it moves per file, not in one jump at the end.
      for (let n = 1; n <= all.length; n++) expect(finished).toContain(n);
      expect(seen.at(-1)).toMatchObject({ total: all.length, done: all.length, queued: 0 });
      expect(all.filter((path) => !seen.some((f) => f.currentFile === path))).toEqual([]);
      const steps = seen.filter((f) => f.currentFile === join(docs, 'long.txt') && f.currentStep).map((f) => f.currentStep!);
      expect(steps[0]).toMatch(/^passage 1 of about \d+$/);
      expect(steps.some((step) => new RegExp(`^passage ${chunkWindows + 1} of about \\d+$`).test(step))).toBe(true);
      expect(log.indexedPaths().sort()).toEqual([...all].sort());
    } finally {
      await library.close();
    }
  });

  it('names the OCR page of the file being OCR\'d', { timeout: 120_000 }, async () => {
    const docs = join(root, 'scans');
    writeFiles(docs, { 'scan.pdf': await mixedPdf([{ scan: ['The kettle is copper.'] }, { scan: ['The meadow is green.'] }], 150) });
    const { library, log } = await openLogged(tinyOptions(join(root, 'db-ocr'), join(root, 'graphs'), { progressIntervalMs: 0 }));
    try {
      await library.addFolder(docs);
      await library.whenIdle();
      const steps = log.of('indexProgress').flatMap((e) => e.folders).filter((f) => f.currentFile === join(docs, 'scan.pdf') && f.currentStep);
      expect([...new Set(steps.map((f) => f.currentStep))]).toEqual(['OCR page 1/2', 'OCR page 2/2']);
      expect(library.documents()[0]).toMatchObject({ status: 'done', ocrPages: 2, ocrOn: true });
    } finally {
      await library.close();
    }
  });

  it('estimates a streamed document\'s passages from the characters its windows cover', () => {
    // Windows start every 100 characters and cover 150: 2 of 10 000 characters done, so about 100 passages.
    const chunk = [0, 1].map((i) => ({ index: i, ids: new Int32Array(), offsets: [], charStart: i * 100, charEnd: i * 100 + 150 }));
    expect(passageStep(0, 10_000, chunk)).toBe('passage 1 of about 100');
    expect(passageStep(128, 10_000, chunk)).toBe('passage 129 of about 228');
  });
});
