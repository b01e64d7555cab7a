import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { Engine } from './engine';
import { maxAbsDiff, readGolden, sameBits } from './golden-fixtures';
import type { Checkpoint, LowerStates, Segment } from './types';

const golden = readGolden(tinyBertDir);
const asSegment = (ids: number[]): Segment => ({ ids: Int32Array.from(ids), offsets: ids.map(() => [-1, -1] as [number, number]) });
const questionOf = (i: number) => asSegment(golden.cases[i].deformer.question_segment.input_ids);
const passageOf = (i: number) => asSegment(golden.cases[i].deformer.passage_segment.input_ids);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(isDeskError(err) ? err.code : err).toBe(code);
}

describe('Engine', () => {
  let checkpoint: Checkpoint;
  let cacheDir: string;
  let engine: Engine; // k = 2
  beforeAll(async () => {
    checkpoint = await loadCheckpoint(tinyBertDir);
    cacheDir = mkdtempSync(join(tmpdir(), 'engine-'));
    engine = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', lowerBatchSize: 3 });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('lowerPassages: token type 1, positions from P, results in the caller order across sorted batches', async () => {
    const passages = golden.cases.map((_, i) => passageOf(i)); // lengths vary: sorted into batches of 3
    const states = await engine.lowerPassages(passages);
    expect(states.map((s) => s.tokens)).toEqual(passages.map((p) => p.ids.length));
    for (let i = 0; i < passages.length; i++) {
      const [alone] = await engine.lowerPass([{ ids: passages[i].ids, tokenTypes: 1, positionStart: 0 }]);
      expect(sameBits(states[i].data, alone.data)).toBe(true);
      expect(maxAbsDiff(states[i].data, golden.cases[i].deformer.passage_segment.lower_hidden_states[2].flat())).toBeLessThan(1e-4);
    }
  });

  it('a passage offset P shifts the passage positions and nothing else', async () => {
    const shifted = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', passageOffset: 5 });
    try {
      expect(shifted.passageOffset).toBe(5);
      const [p5] = await shifted.lowerPassages([passageOf(0)]);
      const [raw] = await engine.lowerPass([{ ids: passageOf(0).ids, tokenTypes: 1, positionStart: 5 }]);
      const [p0] = await engine.lowerPassages([passageOf(0)]);
      expect(sameBits(p5.data, raw.data)).toBe(true);
      expect(maxAbsDiff(p5.data, p0.data)).toBeGreaterThan(1e-3);
      const [q] = await shifted.lowerPass([{ ids: questionOf(0).ids, tokenTypes: 0, positionStart: 0 }]);
      const [q0] = await engine.lowerPass([{ ids: questionOf(0).ids, tokenTypes: 0, positionStart: 0 }]);
      expect(sameBits(q.data, q0.data)).toBe(true); // questions always start at 0
    } finally {
      await shifted.close();
    }
  });

  it('upperPass joins one question with N passages in one batch; each equals its own single pass', async () => {
    const q = await engine.lowerQuestion(questionOf(0));
    const passages = await engine.lowerPassages([passageOf(3), passageOf(0), passageOf(5)]);
    const batched = await engine.upperPass(q, passages);
    expect(batched).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const [single] = await engine.upperPass(q, [passages[i]]);
      expect(batched[i].questionTokens).toBe(q.tokens);
      expect(batched[i].start).toHaveLength(q.tokens + passages[i].tokens);
      expect(maxAbsDiff(batched[i].start, single.start)).toBeLessThan(1e-6);
      expect(maxAbsDiff(batched[i].end, single.end)).toBeLessThan(1e-6);
    }
    expect(await engine.upperPass(q, [])).toEqual([]);
  });

  it('askPass (question lower pass inside, one run) equals lowerQuestion + upperPass over padded batches', async () => {
    const passages = await engine.lowerPassages([passageOf(3), passageOf(0), passageOf(5)]);
    for (const question of [questionOf(0), questionOf(4)]) {
      const reference = await engine.upperPass(await engine.lowerQuestion(question), passages);
      const asked = await engine.askPass(question, passages);
      expect(asked).toHaveLength(3);
      asked.forEach((a, i) => {
        expect(a.questionTokens).toBe(question.ids.length);
        expect(a.start).toHaveLength(reference[i].start.length);
        expect(maxAbsDiff(a.start, reference[i].start)).toBeLessThan(1e-6);
        expect(maxAbsDiff(a.end, reference[i].end)).toBeLessThan(1e-6);
      });
    }
    expect(await engine.askPass(questionOf(0), [])).toEqual([]);
    // A reader's engine opens `ask` first; `lower` still opens on demand, on the same provider.
    const reader = await Engine.fromCheckpoint(checkpoint, { k: 2, cacheDir, provider: 'cpu', openFirst: 'ask' });
    try {
      const [a] = await reader.askPass(questionOf(0), passages.slice(0, 1));
      expect(sameBits(a.start, (await engine.askPass(questionOf(0), passages.slice(0, 1)))[0].start)).toBe(true);
      expect(sameBits((await reader.lowerPassages([passageOf(3)]))[0].data, passages[0].data)).toBe(true);
      expect(reader.provider.name).toBe('cpu');
    } finally {
      await reader.close();
    }
  });

  it('fullPass builds [CLS] q [SEP] p [SEP] with types 0/1 and positions 0..L-1, matching HF', async () => {
    const cases = [0, 4];
    const question = questionOf(0);
    const logits = await engine.fullPass(question, [passageOf(0), passageOf(0)]);
    expect(logits.map((l) => l.questionTokens)).toEqual([question.ids.length, question.ids.length]);
    expect(maxAbsDiff(logits[0].start, golden.cases[0].start_logits)).toBeLessThan(1e-4);
    expect(sameBits(logits[0].end, logits[1].end)).toBe(true);
    for (const i of cases) {
      const [l] = await engine.fullPass(questionOf(i), [passageOf(i)]);
      expect(maxAbsDiff(l.start, golden.cases[i].start_logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(l.end, golden.cases[i].end_logits)).toBeLessThan(1e-4);
    }
  });

  it('rejects states of the wrong width or size at the split with a DeskError', async () => {
    const q = await engine.lowerQuestion(questionOf(0));
    const [p] = await engine.lowerPassages([passageOf(0)]);
    const narrow: LowerStates = { data: new Float32Array(p.tokens * 16), tokens: p.tokens, hidden: 16 };
    await rejectsWith(engine.upperPass(q, [narrow]), 'STORE_INCOMPATIBLE');
    const short: LowerStates = { ...p, data: p.data.subarray(0, p.data.length - 1) };
    await rejectsWith(engine.upperPass(q, [short]), 'STORE_CORRUPT');
    await rejectsWith(engine.upperPass({ ...q, hidden: 64 }, [p]), 'STORE_INCOMPATIBLE');
  });

  it('rejects a split point outside 0..n', async () => {
    await rejectsWith(Engine.fromCheckpoint(checkpoint, { k: 5, cacheDir }), 'BAD_REQUEST');
    await rejectsWith(Engine.fromCheckpoint(checkpoint, { k: -1, cacheDir }), 'BAD_REQUEST');
  });
});

describe('Engine.open', () => {
  it.each([
    ['bert', tinyBertDir],
    ['distilbert', tinyDistilBertDir],
  ])('%s: loads checkpoint + tokenizer; encodeQuestion gives [CLS] q [SEP] and its lower states', async (_arch, dir) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'engine-open-'));
    const engine = await Engine.open(dir, { k: 3, cacheDir, provider: 'cpu' });
    try {
      const c = readGolden(dir).cases[0];
      expect(engine.k).toBe(3);
      expect(engine.config.layers).toBe(4);
      expect(engine.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const encoded = await engine.encodeQuestion(c.question);
      expect(Array.from(encoded.segment.ids)).toEqual(c.deformer.question_segment.input_ids);
      expect(maxAbsDiff(encoded.lowerStates.data, c.deformer.question_segment.lower_hidden_states[3].flat())).toBeLessThan(1e-4);
      const [p] = await engine.lowerPassages([asSegment(c.deformer.passage_segment.input_ids)]);
      const [logits] = await engine.upperPass(encoded.lowerStates, [p]);
      expect(maxAbsDiff(logits.start, c.deformer.splits['3'].start_logits)).toBeLessThan(1e-4);
      await rejectsWith(engine.encodeQuestion('   '), 'QUESTION_EMPTY');
    } finally {
      await engine.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
