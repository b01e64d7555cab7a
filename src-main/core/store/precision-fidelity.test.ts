import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureFidelity, squadFidelityCases, storedRoundTrip, type FidelityCase, type FidelityStats } from '../eval/fidelity';
import { loadSquad } from '../eval/squad-data';
import { Engine } from '../model/engine';
import { loadTokenizer } from '../model/tokenizer';
import type { LowerStates } from '../model/types';
import { squadDevPath, tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { decodeStates, encodeStates } from './quantize';

/*
 * Does the cache keep answers? Passage lower states go through the store's encoding
 * (encodeStates → bytes → decodeStates) and the upper pass runs on them; logits and best spans
 * are compared with fp32 as defined in eval/fidelity.ts (relative error of a (question, passage)
 * pair = max |Δlogit| over its passage positions / max |fp32 logit| there; the max over pairs).
 *
 * Tolerances come from this very setup (24 SQuAD dev questions, windows of 96 tokens overlapping
 * by 24 so questions span 2–3 passages, k = 2), measured on both tiny checkpoints, set at about
 * twice the larger measurement:
 *                       fp16 max rel   int8 max rel   int8 spans changed   int8, one scale per passage
 *   tiny BERT            2.5e-4         7.9e-3         1 / 24               1.5e-2, mean |Δ| 1.26x int8
 *   tiny DistilBERT      1.4e-3         2.0e-2         0 / 24               3.3e-2, mean |Δ| 1.37x int8
 * The logits of these random tiny models are flat (max |logit| ≈ 2), so near-ties between spans
 * are common; a trained model's answers have wider margins.
 */
const FP16_MAX_REL_ERROR = 3e-3;
const INT8_MAX_REL_ERROR = 0.04;
/** Share of questions whose best span must stay the fp32 one (measured 100% / ≥ 95.8%; one flip in 24 is 4.2%). */
const FP16_MIN_SPAN_AGREEMENT = 0.95;
const INT8_MIN_SPAN_AGREEMENT = 0.9;
/** One scale per passage must be clearly worse on average (measured 1.26x / 1.37x). */
const PER_PASSAGE_MIN_MEAN_ERROR_RATIO = 1.15;
/**
 * Trained BERTs give a few tokens ([SEP], punctuation) states several times larger than the rest.
 * A per-token scale confines that to the token; a per-passage one coarsens every token.
 * Scaling the passage's [SEP] by 8 makes the upper layers more sensitive for both schemes
 * (per-token max rel 0.11 / 0.09), but per-passage drifts 2.9x / 7.3x further (0.31 / 0.65).
 */
const OUTLIER_GAIN = 8;
const OUTLIER_MIN_MAX_ERROR_RATIO = 2;

const QUESTIONS = 24;
const WINDOWS = { windowTokens: 96, overlapTokens: 24 };
const K = 2;

/** The wrong int8 scheme, as a negative control: one scale (maxabs / 127) for the whole passage. */
function int8PerPassage(states: LowerStates): LowerStates {
  let maxAbs = 0;
  for (const v of states.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = Math.fround(maxAbs / 127);
  const data = states.data.map((v) => (scale === 0 ? 0 : Math.round(v / scale) * scale));
  return { ...states, data };
}

/** Copies the states with the last token (the passage's [SEP]) scaled by OUTLIER_GAIN. */
function withOutlierSep(states: LowerStates): LowerStates {
  const data = Float32Array.from(states.data);
  for (let h = 0; h < states.hidden; h++) data[(states.tokens - 1) * states.hidden + h] *= OUTLIER_GAIN;
  return { ...states, data };
}

const agreement = (s: FidelityStats) => 1 - s.bestSpanChanged / s.questions;
const squad = loadSquad(squadDevPath);

describe.each([
  ['tiny BERT', tinyBertDir],
  ['tiny DistilBERT', tinyDistilBertDir],
])('stored precisions vs fp32 on %s, k = 2', (_name, dir) => {
  let cacheDir: string;
  let engine: Engine;
  let cases: FidelityCase[];
  let stats: Record<'fp32' | 'fp16' | 'int8' | 'int8PerPassage', FidelityStats>;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'fidelity-'));
    engine = await Engine.open(dir, { k: K, cacheDir, provider: 'cpu', threads: 1 });
    cases = squadFidelityCases(squad, await loadTokenizer(dir), QUESTIONS, WINDOWS);
    stats = await measureFidelity(engine, cases, {
      fp32: storedRoundTrip('fp32'),
      fp16: storedRoundTrip('fp16'),
      int8: storedRoundTrip('int8'),
      int8PerPassage,
    });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reads several passages per question, so decoding crosses passages and batches pad', () => {
    expect(cases).toHaveLength(QUESTIONS);
    expect(stats.fp32.pairs).toBeGreaterThan(1.5 * QUESTIONS);
  });

  it('fp32: the stored bytes give back the same bits, the same logits and the same spans', async () => {
    const states = await engine.lowerPassages(cases[0].passages);
    for (const s of states) {
      const back = decodeStates(encodeStates(s, 'fp32'), 'p');
      expect(new Uint8Array(back.data.buffer)).toEqual(new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength));
    }
    expect(stats.fp32).toMatchObject({ maxAbsLogitError: 0, maxRelLogitError: 0, bestSpanChanged: 0 });
  });

  it(`fp16: logits within ${FP16_MAX_REL_ERROR} of fp32 (relative), best span kept for ≥ ${100 * FP16_MIN_SPAN_AGREEMENT}%`, () => {
    expect(stats.fp16.maxAbsLogitError).toBeGreaterThan(0); // it did round something
    expect(stats.fp16.maxRelLogitError).toBeLessThan(FP16_MAX_REL_ERROR);
    expect(agreement(stats.fp16)).toBeGreaterThanOrEqual(FP16_MIN_SPAN_AGREEMENT);
  });

  it(`int8 (one scale per token): logits within ${INT8_MAX_REL_ERROR} of fp32 (relative), best span kept for ≥ ${100 * INT8_MIN_SPAN_AGREEMENT}%`, () => {
    expect(stats.int8.maxRelLogitError).toBeGreaterThan(stats.fp16.maxRelLogitError);
    expect(stats.int8.maxRelLogitError).toBeLessThan(INT8_MAX_REL_ERROR);
    expect(agreement(stats.int8)).toBeGreaterThanOrEqual(INT8_MIN_SPAN_AGREEMENT);
  });

  it('negative control: one int8 scale per passage is measurably worse than one per token', () => {
    expect(stats.int8PerPassage.meanAbsLogitError).toBeGreaterThan(PER_PASSAGE_MIN_MEAN_ERROR_RATIO * stats.int8.meanAbsLogitError);
    expect(stats.int8PerPassage.maxAbsLogitError).toBeGreaterThan(stats.int8.maxAbsLogitError);
  });

  it('negative control: with an outlier token, one scale per passage breaks the int8 tolerance, one per token far less', async () => {
    const outlier = await measureFidelity(
      engine,
      cases.slice(0, 8),
      { int8: storedRoundTrip('int8'), int8PerPassage },
      { alterStates: withOutlierSep },
    );
    expect(outlier.int8PerPassage.maxRelLogitError).toBeGreaterThan(INT8_MAX_REL_ERROR);
    expect(outlier.int8PerPassage.maxRelLogitError).toBeGreaterThan(OUTLIER_MIN_MAX_ERROR_RATIO * outlier.int8.maxRelLogitError);
  });
});
