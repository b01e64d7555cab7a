/**
 * Training graph = inference graph: a checkpoint the recipe trained and exported (tiny fixture,
 * seconds) gives the same start/end logits through the app's engine (ONNX Runtime, askPass and
 * fullPass) as through the PyTorch model that trained it, and the same token ids and windows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowsOf } from '../../src-main/core/answer/document-write';
import { defaultK, readConfig } from '../../src-main/core/model/config';
import { Engine } from '../../src-main/core/model/engine';
import { maxAbsDiff } from '../../src-main/core/model/golden-fixtures';
import { loadTokenizer } from '../../src-main/core/model/tokenizer';
import { squadDevPath, tinyBertDir } from '../../src-main/core/testing/paths';
import { builtinModelDir, runTraining, splitFile, trainingAvailable } from './training-env';

interface Dump {
  k: number;
  cases: Array<{ question: string; context: string; windows: Array<Record<'split' | 'full', { start: number[]; end: number[] }>> }>;
  tokens: Array<{ context: string; windows: number[][]; questions: Array<{ question: string; ids: number[] }> }>;
}

/** A small SQuAD file: the first paragraphs of the first held-out article. */
function smallSquad(dir: string): string {
  const split = JSON.parse(readFileSync(splitFile, 'utf8')) as { heldout: string[] };
  const dev = JSON.parse(readFileSync(squadDevPath, 'utf8')) as { data: Array<{ title: string; paragraphs: unknown[] }> };
  const article = dev.data.find((a) => a.title === split.heldout[0])!;
  const file = join(dir, 'small.json');
  writeFileSync(file, JSON.stringify({ version: '1.1', data: [{ ...article, paragraphs: article.paragraphs.slice(0, 4) }] }));
  return file;
}

describe.skipIf(!trainingAvailable())('training recipe ↔ engine parity (needs models/train/.venv)', () => {
  let dir: string;
  let model: string;
  let dump: Dump;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'train-parity-'));
    runTraining(['recipe', '--model', tinyBertDir, '--squad', squadDevPath, '--split', splitFile, '--out', join(dir, 'run'), '--preset', 'tiny', '--threads', '2']);
    model = join(dir, 'run/models/k2-aux');
    runTraining(['dump', '--model', model, '--squad', smallSquad(dir), '--k', '2', '--questions', '3', '--out', join(dir, 'dump.json')]);
    dump = JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8')) as Dump;
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the export records its split, and the app takes k and P from it', () => {
    const config = readConfig(model);
    expect(config.deformer).toEqual({ k: 2, passageOffset: 0, trainedK: [2] });
    expect(defaultK(config)).toBe(2);
  });

  it('askPass and fullPass give the PyTorch logits within 1e-4', async () => {
    const engine = await Engine.open(model, { k: dump.k, cacheDir: join(dir, 'graphs'), provider: 'cpu' });
    try {
      const tokenizer = await loadTokenizer(model);
      expect(dump.cases.length).toBe(3);
      for (const c of dump.cases) {
        const windows = windowsOf(c.context, tokenizer);
        expect(windows.length).toBe(c.windows.length);
        const segments = windows.map((w) => ({ ids: w.ids, offsets: w.offsets }));
        const question = engine.questionSegment(c.question);
        const split = await engine.askPass(question, await engine.lowerPassages(segments));
        const full = await engine.fullPass(question, segments);
        c.windows.forEach((ref, i) => {
          expect(split[i].start.length).toBe(ref.split.start.length);
          expect(maxAbsDiff(split[i].start, ref.split.start)).toBeLessThan(1e-4);
          expect(maxAbsDiff(split[i].end, ref.split.end)).toBeLessThan(1e-4);
          expect(maxAbsDiff(full[i].start, ref.full.start)).toBeLessThan(1e-4);
          expect(maxAbsDiff(full[i].end, ref.full.end)).toBeLessThan(1e-4);
        });
      }
    } finally {
      await engine.close();
    }
  });

  it('the recipe cuts the same question segments and passage windows as the app', async () => {
    const tokenizer = await loadTokenizer(model);
    for (const p of dump.tokens) {
      expect(windowsOf(p.context, tokenizer).map((w) => Array.from(w.ids))).toEqual(p.windows);
      for (const q of p.questions) expect(Array.from(tokenizer.questionSegment(q.question, 64).ids)).toEqual(q.ids);
    }
  });
});

describe.skipIf(!trainingAvailable())('the built-in model tokenizes every held-out question as the recipe did', () => {
  it('same question segments and passage windows on all held-out articles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-tokens-'));
    try {
      const heldout = join(dir, 'heldout.json');
      runTraining(['heldout', '--squad', squadDevPath, '--split', splitFile, '--out', heldout]);
      runTraining(['dump', '--model', builtinModelDir, '--squad', heldout, '--k', '0', '--questions', '0', '--out', join(dir, 'tokens.json')]);
      const dump = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as Dump;
      const tokenizer = await loadTokenizer(builtinModelDir);
      let questions = 0;
      for (const p of dump.tokens) {
        expect(windowsOf(p.context, tokenizer).map((w) => Array.from(w.ids))).toEqual(p.windows);
        for (const q of p.questions) {
          expect(Array.from(tokenizer.questionSegment(q.question, 64).ids)).toEqual(q.ids);
          questions++;
        }
      }
      expect(questions).toBeGreaterThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
