import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDocuments } from '../core/eval/test-library';
import { isDeskError } from '../core/errors';
import { writeFiles } from '../core/index/test-kit';
import { tinyBertDir } from '../core/testing/paths';
import { formatResult, run as ask } from './ask';
import { run as index } from './index-cmd';
import { run as model } from './model';

/**
 * The CLI opens the app's own setup (core/backend/setup.ts): a data folder whose active model is
 * the tiny BERT, indexed by `index` and asked by `ask` with no --model, answers with that model.
 */
let root: string;
let data: string;
let docs: string;

/** Runs a command in this process: its exit code and what it printed. */
async function cli(run: (args: string[]) => Promise<number>, args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    return { code: await run(args), out: lines.join('\n') };
  } finally {
    [log, error, warn].forEach((spy) => spy.mockRestore());
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cli-desk-'));
  data = join(root, 'data');
  docs = join(root, 'docs');
  writeFiles(docs, { ...Object.fromEntries(Object.entries(testDocuments).map(([path, text]) => [path.slice('/lib/'.length), text])), 'empty.txt': '' });
  expect((await cli(model, ['import', tinyBertDir, '--name', 'tiny', '--db', data])).code).toBe(0);
  expect((await cli(model, ['use', 'tiny', '--db', data])).code).toBe(0);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cli index, then ask, on one data folder', () => {
  it('indexes with the active model and the app’s defaults (int4 states), listing what was not indexed', async () => {
    const { code, out } = await cli(index, [docs, '--db', data, '--provider', 'cpu', '--quiet']);
    expect(code).toBe(0);
    expect(out).toContain(`${docs}: 4 documents: 3 done, 0 failed, 1 skipped`);
    expect(out).toMatch(/skipped +.*empty\.txt: skipped: empty file \[EXTRACT_EMPTY\]/);
    expect(out).toContain('18 bytes per stored token'); // int4 (the app's default) at H 32: one fp16 scale + 32 × 4 bits
    // --provider is for this run: the settings file keeps the person's own value.
    const saved = JSON.parse(readFileSync(join(data, 'settings.json'), 'utf8'));
    expect(saved).toMatchObject({ model: 'tiny', provider: 'auto', precision: 'int4' });
  }, 120_000);

  it('asks with no --model and answers with the data folder’s active model', async () => {
    const { code, out } = await cli(ask, ['Who discovered polonium?', '--db', data, '--answers', '2']);
    expect(code).toBe(0);
    expect(out).toMatch(/^1\. .+\(\w[\w ]*, \d+%, .+physics\.txt \[\d+–\d+\]\)$/m);
    expect(out).toMatch(/«.+»/);
    expect(out).toMatch(/^deformer: [\d.]+ ms \(retrieval/m);
    expect(out).not.toMatch(/^note: /m);
  }, 120_000);

  it('takes --mode full, --upper-weights int8 and --model DIR for one run', async () => {
    const args = ['Who discovered polonium?', '--db', data, '--json'];
    const fp32 = JSON.parse((await cli(ask, [...args, '--upper-weights', 'fp32'])).out);
    const full = JSON.parse((await cli(ask, [...args, '--mode', 'full'])).out);
    expect(full.mode).toBe('full');
    expect(full.answers.length).toBeGreaterThan(0);
    const int8 = JSON.parse((await cli(ask, [...args, '--upper-weights', 'int8'])).out);
    expect(int8.passages.map((p: { passageId: string }) => p.passageId)).toEqual(fp32.passages.map((p: { passageId: string }) => p.passageId));
    expect(int8.answers[0].score).not.toBe(fp32.answers[0].score); // the int8 graph really ran
    const byPath = JSON.parse((await cli(ask, [...args, '--upper-weights', 'fp32', '--model', tinyBertDir])).out);
    expect(byPath.answers[0]).toMatchObject({ text: fp32.answers[0].text, passageId: fp32.answers[0].passageId });
    await expect(ask([...args, '--upper-weights', 'int4'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  }, 180_000);

  it('refuses a model or k the library was not indexed with, and leaves the library as it was', async () => {
    for (const flags of [['--model', 'no-such-model'], ['--k', '2']]) {
      const err = await ask(['Which river flows through Vienna?', '--db', data, ...flags]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORE_INCOMPATIBLE' });
      expect((err as Error).message).toMatch(/built with other settings/);
    }
    const { code, out } = await cli(ask, ['Which river flows through Vienna?', '--db', data, '--answers', '1']);
    expect(code).toBe(0);
    expect(out).toMatch(/^1\. .+rivers\.txt/m);
  }, 120_000);

  it('index saves the flags that shape the cache, so ask and the app read the re-encoded library with no flags', async () => {
    const { code, out } = await cli(index, [docs, '--db', data, '--provider', 'cpu', '--precision', 'int8', '--quiet']);
    expect(code).toBe(0);
    expect(out).toContain('36 bytes per stored token'); // int8 at H 32: 32 codes + one fp32 scale
    expect(JSON.parse(readFileSync(join(data, 'settings.json'), 'utf8'))).toMatchObject({ precision: 'int8', provider: 'auto' });
    const asked = await cli(ask, ['Which river flows through Vienna?', '--db', data, '--answers', '1']);
    expect(asked.code).toBe(0);
    expect(asked.out).toMatch(/^1\. .+rivers\.txt/m);
    // A k past the model's layers is refused before anything is re-encoded.
    await expect(index([docs, '--db', data, '--k', '48', '--quiet'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  }, 180_000);

  it('refuses bad flags with a typed error, and prints usage without a question', async () => {
    const err = await ask(['Why?', '--db', data, '--top', 'x']).catch((e: unknown) => e);
    expect(isDeskError(err, 'BAD_REQUEST')).toBe(true);
    expect((await cli(ask, [])).code).toBe(2);
  });
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
