/**
 * The engine's graphs against Hugging Face transformers 4.31's own outputs for the tiny golden
 * BERT and DistilBERT QA checkpoints: full model (logits + every hidden state), DeFormer lower
 * states and decomposed logits for k = 1..3, k = 0 and k = n, the padded batch, and the
 * invariants the cache relies on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { loadCheckpoint } from './checkpoint';
import { Engine, type SequenceInput } from './engine';
import { maxAbsDiff, readGolden, sameBits, type GoldenSegment } from './golden-fixtures';
import type { Checkpoint, LowerStates, Segment } from './types';

const TOL = 1e-4;

/** A golden segment as raw engine input (its own token types and positions 0..n−1). */
function segmentInput(s: GoldenSegment): SequenceInput {
  expect(s.position_ids[0]).toBe(0);
  return { ids: s.input_ids, tokenTypes: s.token_type_ids ?? 0, positionStart: 0 };
}

/** A golden question segment `[CLS] q [SEP]` as askPass takes it (type 0, positions from 0). */
function questionSegment(s: GoldenSegment): Segment {
  expect(s.token_type_ids?.every((t) => t === 0) ?? true).toBe(true);
  return { ids: Int32Array.from(s.input_ids), offsets: s.input_ids.map(() => [-1, -1] as [number, number]) };
}

const flat = (rows: number[][]) => rows.flat();

describe.each([
  ['tiny-bert-qa', tinyBertDir],
  ['tiny-distilbert-qa', tinyDistilBertDir],
])('%s matches Hugging Face', (_name, dir) => {
  const golden = readGolden(dir);
  const cacheDir = mkdtempSync(join(tmpdir(), 'golden-engine-'));
  let checkpoint: Checkpoint;
  const engines = new Map<number, Engine>(); // k → engine
  const n = golden.num_layers;

  beforeAll(async () => {
    checkpoint = await loadCheckpoint(dir);
    for (let k = 0; k <= n; k++) {
      engines.set(k, await Engine.fromCheckpoint(checkpoint, { k, cacheDir, provider: 'cpu', threads: 1, debugHiddenStates: k === n }));
    }
  });
  afterAll(async () => {
    await Promise.all([...engines.values()].map((e) => e.close()));
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('full model: start/end logits and every layer hidden state within 1e-4, all 7 cases', async () => {
    expect(golden.cases).toHaveLength(7);
    const engine = engines.get(n)!;
    for (const c of golden.cases) {
      const out = await engine.fullPassWithHiddenStates({ ids: c.input_ids, tokenTypes: c.token_type_ids, positionStart: 0 });
      expect(maxAbsDiff(out.logits.start, c.start_logits), c.name).toBeLessThan(TOL);
      expect(maxAbsDiff(out.logits.end, c.end_logits), c.name).toBeLessThan(TOL);
      expect(out.hiddenStates).toHaveLength(n + 1);
      out.hiddenStates.forEach((h, j) => expect(maxAbsDiff(h.data, flat(c.hidden_states[j])), `${c.name} layer ${j}`).toBeLessThan(TOL));
      // The plain `full` graph gives the same logits as the debug one.
      const [plain] = await engine.fullPassRaw([{ ids: c.input_ids, tokenTypes: c.token_type_ids, positionStart: 0 }], c.question_segment_length);
      expect(maxAbsDiff(plain.start, out.logits.start)).toBeLessThan(1e-6);
    }
  });

  it.each([1, 2, 3])('k=%i: lower states of both segments and decomposed logits within 1e-4', async (k) => {
    const engine = engines.get(k)!;
    for (const c of golden.cases) {
      const { question_segment: qs, passage_segment: ps } = c.deformer;
      const [q, p] = await engine.lowerPass([segmentInput(qs), segmentInput(ps)]);
      expect(maxAbsDiff(q.data, flat(qs.lower_hidden_states[k])), `${c.name} question`).toBeLessThan(TOL);
      expect(maxAbsDiff(p.data, flat(ps.lower_hidden_states[k])), `${c.name} passage`).toBeLessThan(TOL);
      const split = c.deformer.splits[String(k)];
      const [logits] = await engine.upperPass(q, [p]);
      expect(logits.questionTokens).toBe(qs.input_ids.length);
      expect(maxAbsDiff(logits.start, split.start_logits), c.name).toBeLessThan(TOL);
      expect(maxAbsDiff(logits.end, split.end_logits), c.name).toBeLessThan(TOL);
      // The one-run ask graph: the question's lower pass inside, the same logits.
      const [asked] = await engine.askPass(questionSegment(qs), [p]);
      expect(asked.questionTokens).toBe(qs.input_ids.length);
      expect(maxAbsDiff(asked.start, split.start_logits), `${c.name} ask`).toBeLessThan(TOL);
      expect(maxAbsDiff(asked.end, split.end_logits), `${c.name} ask`).toBeLessThan(TOL);
      expect(maxAbsDiff(asked.start, logits.start)).toBeLessThan(1e-6);
      // Lower k' ≤ k entries are what the shallower engines compute.
      for (let j = 0; j < k; j++) {
        const [qj, pj] = await engines.get(j)!.lowerPass([segmentInput(qs), segmentInput(ps)]);
        expect(maxAbsDiff(qj.data, flat(qs.lower_hidden_states[j]))).toBeLessThan(TOL);
        expect(maxAbsDiff(pj.data, flat(ps.lower_hidden_states[j]))).toBeLessThan(TOL);
      }
    }
  });

  it('k=0 (segment-wise embeddings) and k=n (no joint layer) run and are consistent', async () => {
    const head = { w: checkpoint.weights.get('qa_outputs.weight')!.data, b: checkpoint.weights.get('qa_outputs.bias')!.data };
    const H = golden.hidden_size;
    for (const c of golden.cases) {
      const { question_segment: qs, passage_segment: ps } = c.deformer;
      const [q0, p0] = await engines.get(0)!.lowerPass([segmentInput(qs), segmentInput(ps)]);
      expect(maxAbsDiff(q0.data, flat(qs.lower_hidden_states[0]))).toBeLessThan(TOL);
      expect(maxAbsDiff(p0.data, flat(ps.lower_hidden_states[0]))).toBeLessThan(TOL);
      const [l0] = await engines.get(0)!.upperPass(q0, [p0]);
      expect(l0.start).toHaveLength(c.input_ids.length);
      expect(l0.start.every(Number.isFinite)).toBe(true);
      const [a0] = await engines.get(0)!.askPass(questionSegment(qs), [p0]); // no lower layer in the ask graph
      expect(maxAbsDiff(a0.start, l0.start)).toBeLessThan(1e-6);

      // k = n: each segment alone through all layers is the full graph run on that segment alone,
      // and the logits are just the span head over [q_n; p_n].
      const full = engines.get(n)!;
      const [qn, pn] = await full.lowerPass([segmentInput(qs), segmentInput(ps)]);
      const pAlone = await full.fullPassWithHiddenStates(segmentInput(ps));
      expect(maxAbsDiff(pn.data, pAlone.hiddenStates[n].data)).toBeLessThan(1e-5);
      const [ln] = await full.upperPass(qn, [pn]);
      const [an] = await full.askPass(questionSegment(qs), [pn]); // no upper layer in the ask graph
      expect(maxAbsDiff(an.end, ln.end)).toBeLessThan(1e-6);
      const joint = [...qn.data, ...pn.data];
      const expectStart = Array.from(ln.start, (_, t) => head.b[0] + joint.slice(t * H, t * H + H).reduce((s, x, d) => s + x * head.w[d], 0));
      expect(maxAbsDiff(ln.start, expectStart)).toBeLessThan(1e-4);
    }
  });

  it('the padded batch of 2 matches at valid positions (full model and DeFormer lower pass)', async () => {
    const b = golden.batched;
    const inputs = b.rows.map((row, r) => ({
      ids: b.input_ids[r].slice(0, row.valid_length),
      tokenTypes: b.token_type_ids[r].slice(0, row.valid_length),
      positionStart: 0,
    }));
    expect(new Set(inputs.map((s) => s.ids.length)).size).toBe(2); // really padded
    const logits = await engines.get(n)!.fullPassRaw(inputs, 0);
    b.rows.forEach((row, r) => {
      const valid = (xs: Array<number | null>) => xs.slice(0, row.valid_length) as number[];
      expect(row.start_logits.slice(row.valid_length).every((x) => x === null)).toBe(true);
      expect(maxAbsDiff(logits[r].start, valid(row.start_logits))).toBeLessThan(TOL);
      expect(maxAbsDiff(logits[r].end, valid(row.end_logits))).toBeLessThan(TOL);
    });
    // Passage segments of different lengths in one padded lower batch.
    const cases = golden.cases.slice(0, 5);
    const states = await engines.get(2)!.lowerPass(cases.map((c) => segmentInput(c.deformer.passage_segment)));
    cases.forEach((c, i) => expect(maxAbsDiff(states[i].data, flat(c.deformer.passage_segment.lower_hidden_states[2]))).toBeLessThan(TOL));
  });

  it('passage lower states do not depend on the batch, and are untouched by the questions they join', async () => {
    const engine = engines.get(2)!;
    const passages = golden.cases.map((c) => segmentInput(c.deformer.passage_segment));
    const [alone] = await engine.lowerPass([passages[0]]);
    const inBatch = await engine.lowerPass(passages); // padded to the longest, sorted by length
    const reversed = await engine.lowerPass([...passages].reverse());
    // Measured: bit-identical. Padding keys get exactly zero attention weight and every GEMM
    // row is computed independently, so neither the batch nor its padding changes a bit.
    expect(sameBits(alone.data, inBatch[0].data)).toBe(true);
    expect(sameBits(inBatch[0].data, reversed[passages.length - 1].data)).toBe(true);

    const snapshot = alone.data.slice();
    const questions = golden.cases.slice(0, 3).map((c) => segmentInput(c.deformer.question_segment));
    const qStates = await engine.lowerPass(questions);
    const results = [];
    for (const q of qStates) results.push((await engine.upperPass(q, [alone]))[0]);
    expect(sameBits(alone.data, snapshot)).toBe(true);
    expect(results[0].start.length).not.toBe(results[2].start.length); // different questions really joined
  });

  it('the upper pass over states that went through bytes equals the in-memory result exactly', async () => {
    const engine = engines.get(3)!;
    const c = golden.cases[4];
    const [q, p] = await engine.lowerPass([segmentInput(c.deformer.question_segment), segmentInput(c.deformer.passage_segment)]);
    const viaBytes = (s: LowerStates): LowerStates => {
      const bytes = Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      const stored = new Uint8Array(bytes.length); // what a store write + read gives: fresh memory
      stored.set(bytes);
      return { data: new Float32Array(stored.buffer), tokens: s.tokens, hidden: s.hidden };
    };
    const [direct] = await engine.upperPass(q, [p]);
    const [roundTrip] = await engine.upperPass(viaBytes(q), [viaBytes(p)]);
    expect(sameBits(roundTrip.start, direct.start)).toBe(true);
    expect(sameBits(roundTrip.end, direct.end)).toBe(true);
  });
});
