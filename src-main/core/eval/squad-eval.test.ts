import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { squadDevPath } from '../testing/paths';
import { loadSquad, type SquadDataset } from './squad-data';
import { runSquadEval } from './squad-eval';
import { openSquadLibrary, paragraphPath } from './squad-library';
import { latencyStats, scorePredictions, takeQuestions } from './squad-scoring';
import { openTestKit, type TestKit } from './test-library';

let dev: SquadDataset;
let kit: TestKit;
let cacheRoot: string;

beforeAll(async () => {
  dev = loadSquad(squadDevPath);
  kit = await openTestKit();
  cacheRoot = mkdtempSync(join(tmpdir(), 'squad-eval-'));
});
afterAll(async () => {
  await kit?.close();
  rmSync(cacheRoot, { recursive: true, force: true });
});

function contextOf(dataset: SquadDataset): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of dataset.paragraphs) for (const q of p.questions) out.set(q.id, p.context);
  return out;
}

describe('SQuAD scoring path', () => {
  it('scores gold answers 100/100 over the whole dev set and over a cut', () => {
    for (const limit of [undefined, 137]) {
      const questions = takeQuestions(dev, limit);
      const gold: Record<string, string> = {};
      for (const p of questions.paragraphs) for (const q of p.questions) gold[q.id] = q.answers[0].text;
      const scores = scorePredictions(questions, gold);
      expect(scores.total).toBe(limit ?? 10570);
      expect(scores.exactMatch).toBe(100);
      expect(scores.f1).toBe(100);
    }
  });

  it('keeps the official quirk: a gold answer that is only punctuation matches exactly but has no F1', () => {
    // 57340d124776f419006617bf lists "." as its 4th gold answer; the official script scores it EM 1, F1 0.
    const id = '57340d124776f419006617bf';
    const paragraph = dev.paragraphs.find((p) => p.questions.some((q) => q.id === id))!;
    const one = { ...dev, paragraphs: [{ ...paragraph, questions: paragraph.questions.filter((q) => q.id === id) }] };
    expect(scorePredictions(one, { [id]: '.' })).toEqual({ exactMatch: 100, f1: 0, total: 1 });
  });

  it('cuts the first N questions in file order and scores missing answers as 0', () => {
    const cut = takeQuestions(dev, 7);
    const ids = cut.paragraphs.flatMap((p) => p.questions.map((q) => q.id));
    expect(ids).toEqual(dev.paragraphs[0].questions.slice(0, 7).map((q) => q.id).concat(
      dev.paragraphs[1].questions.slice(0, Math.max(0, 7 - dev.paragraphs[0].questions.length)).map((q) => q.id),
    ));
    const first = cut.paragraphs[0].questions[0];
    const scores = scorePredictions(cut, { [first.id]: first.answers[0].text });
    expect(scores.exactMatch).toBeCloseTo(100 / 7, 10);
  });

  it('summarises latencies as median, p90 and mean', () => {
    expect(latencyStats([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toEqual({ median: 5.5, p90: 9, mean: 5.5 });
    expect(latencyStats([4])).toEqual({ median: 4, p90: 4, mean: 4 });
    expect(latencyStats([])).toEqual({ median: 0, p90: 0, mean: 0 });
  });
});

describe('SQuAD harness on the tiny fixture', () => {
  it('closed setting: reads each question own paragraph, in both modes', async () => {
    for (const mode of ['deformer', 'full'] as const) {
      const result = await runSquadEval({ dataset: dev, engine: kit.engine, tokenizer: kit.tokenizer, mode, setting: 'closed', limit: 12 });
      expect(result).toMatchObject({ setting: 'closed', mode, k: 2, questions: 12 });
      const contexts = contextOf(takeQuestions(dev, 12));
      expect(Object.keys(result.predictions).sort()).toEqual([...contexts.keys()].sort());
      for (const [id, answer] of Object.entries(result.predictions)) {
        expect(answer.length).toBeGreaterThan(0);
        expect(contexts.get(id)).toContain(answer);
      }
      expect(result.f1).toBeGreaterThanOrEqual(result.exactMatch);
      expect(result.f1).toBeLessThanOrEqual(100);
      expect(result.latencyMs.median).toBeGreaterThan(0);
      expect(result.latencyMs.p90).toBeGreaterThanOrEqual(result.latencyMs.median);
    }
  });

  it('open setting: retrieves over every paragraph, and a second run reuses the library', async () => {
    const small: SquadDataset = { ...dev, paragraphs: dev.paragraphs.slice(0, 40) };
    const lines: string[] = [];
    const build = await openSquadLibrary({ dataset: small, engine: kit.engine, tokenizer: kit.tokenizer, cacheRoot, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/40 of 40 paragraphs to encode/);
    expect(build.getDocument(paragraphPath(small.paragraphs[39].id))?.status).toBe('done');
    const passages = build.stats().passages;
    expect(passages).toBeGreaterThanOrEqual(40);
    await build.close();

    lines.length = 0;
    const store = await openSquadLibrary({ dataset: small, engine: kit.engine, tokenizer: kit.tokenizer, cacheRoot, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(store.stats().passages).toBe(passages);
    try {
      const result = await runSquadEval({
        dataset: small, engine: kit.engine, tokenizer: kit.tokenizer, mode: 'deformer', setting: 'open', limit: 15, topPassages: 5, store,
      });
      expect(result.questions).toBe(15);
      const all = small.paragraphs.map((p) => p.context).join('\n');
      for (const answer of Object.values(result.predictions)) expect(all).toContain(answer);
      // BM25 finds most questions' own paragraph among 40 (a random model's answers say nothing).
      expect(result.retrievalRecall).toBeGreaterThan(60);
    } finally {
      await store.close();
    }
  });
});
