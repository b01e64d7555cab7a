import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openTestKit, testDocuments, testWindows, type TestKit } from '../core/answer/test-library';
import { isDeskError } from '../core/errors';
import { LibraryStore } from '../core/store/store';
import { tinyBertDir } from '../core/testing/paths';
import { formatResult, run } from './ask';

let kit: TestKit;
let root: string;
let db: string;

beforeAll(async () => {
  kit = await openTestKit();
  root = mkdtempSync(join(tmpdir(), 'ask-cli-'));
  db = join(root, 'db');
  const { engine } = kit;
  const store = LibraryStore.open(db, {
    modelFingerprint: engine.fingerprint, k: engine.k, passageOffset: 0, precision: 'int8', ...testWindows,
  });
  await kit.write(store, testDocuments);
  await store.close();
});
afterAll(async () => {
  await kit?.close();
  rmSync(root, { recursive: true, force: true });
});

async function ask(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await run(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

it('answers from the library with the split it was indexed with', async () => {
  const { code, out } = await ask(['Who discovered polonium?', '--db', db, '--model', tinyBertDir, '--cache-dir', join(root, 'graphs'), '--answers', '2']);
  expect(code).toBe(0);
  expect(out).toMatch(/^1\. .+\(\w[\w ]*, \d+%, \/lib\/\w+\.txt \[\d+–\d+\]\)$/m);
  expect(out).toMatch(/«.+»/);
  expect(out).toMatch(/^deformer: [\d.]+ ms \(retrieval/m);

  const json = JSON.parse((await ask(['Who discovered polonium?', '--db', db, '--model', tinyBertDir, '--cache-dir', join(root, 'graphs'), '--mode', 'full', '--json'])).out);
  expect(json.mode).toBe('full');
  expect(json.answers.length).toBeGreaterThan(0);
});

it('answers with int8 upper layers when asked, from the same cached states', async () => {
  const args = ['Who discovered polonium?', '--db', db, '--model', tinyBertDir, '--cache-dir', join(root, 'graphs'), '--json'];
  const fp32 = JSON.parse((await ask([...args, '--upper-weights', 'fp32'])).out);
  const int8 = JSON.parse((await ask([...args, '--upper-weights', 'int8'])).out);
  expect(int8.answers.length).toBeGreaterThan(0);
  expect(int8.passages.map((p: { passageId: string }) => p.passageId)).toEqual(fp32.passages.map((p: { passageId: string }) => p.passageId));
  expect(int8.answers[0].score).not.toBe(fp32.answers[0].score); // the int8 graph really ran
  await expect(run([...args, '--upper-weights', 'int4'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
});

it('searches passages without a model and marks the matched words', async () => {
  const { code, out } = await ask(['Which river flows through Vienna?', '--db', db, '--top', '2']);
  expect(code).toBe(0);
  expect(out).toMatch(/^note: No QA model installed/m);
  expect(out).toMatch(/\[Vienna\]/);
  expect(out).toMatch(/^search: /m);
});

it('fails with a clear error for a folder without a library, and prints usage without --db', async () => {
  const err = await run(['Why?', '--db', join(root, 'nothing')]).catch((e: unknown) => e);
  expect(isDeskError(err, 'NOT_FOUND')).toBe(true);
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(await run(['Why?'])).toBe(2);
  spy.mockRestore();
});

it('prints each answer on one line with its confidence word, whatever line breaks the document had', () => {
  const answer = {
    text: 'the first\nflush  harvest', score: 0.5, probability: 0.82, confidence: 'confident' as const, docPath: '/d/tea.pdf', page: 2,
    passageId: 'p', charStart: 10, charEnd: 34, context: 'In March\nthe first\nflush  harvest begins.', contextStart: 0, highlightStart: 9, highlightEnd: 33,
  };
  const timings = { totalMs: 1, retrievalMs: 0, questionMs: 0, cacheReadMs: 0, upperMs: 0 };
  const lines = formatResult({ question: 'q', mode: 'deformer', answers: [answer], passages: [], notes: [], timings }).split('\n');
  expect(lines[0]).toBe('1. the first flush harvest   (confident, 82%, /d/tea.pdf p.2 [10–34])');
  expect(lines[1]).toBe('   …In March «the first flush harvest» begins.…');
});
