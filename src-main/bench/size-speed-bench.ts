/**
 * `npm run bench -- --size-speed`: accuracy, speed and size of every weights × state-codec pair on
 * the built-in model, each row from the app's own SQuAD path (answer/squad-eval.ts, closed
 * setting, the held-out articles of models/train/split.json), in one run beside the fp32 baseline.
 *   EM / F1       : all held-out questions, passages' lower states encoded and decoded by the codec
 *   agreement     : share of those questions whose answer is word for word the fp32/fp16 baseline's
 *   question ms   : median of (decode N stored records + the ask pass) over held-out questions, N = 1, 10
 *   index tok/s   : lower pass + encode of held-out passage windows, batched as the indexer does
 *   B/token       : stored bytes per token of the codec (header excluded)
 */
import { join, resolve } from 'node:path';
import { defaultWindows, windowsOf } from '../core/answer/document-write';
import { heldOutPart, loadSquad, type SquadDataset } from '../core/eval/squad-data';
import { runSquadEval } from '../core/eval/squad-eval';
import { defaultK, readConfig } from '../core/model/config';
import { Engine } from '../core/model/engine';
import { lowerWeightsFor } from '../core/model/lower-weights';
import type { WeightPrecision } from '../core/model/onnx/int8-weights';
import { loadTokenizer } from '../core/model/tokenizer';
import type { LowerStates, Tokenizer } from '../core/model/types';
import { defaultSettings } from '../core/settings';
import { squadDevPath } from '../core/testing/paths';
import { bytesPerToken, decodeStates, encodeStates } from '../core/store/quantize';
import type { Precision } from '../core/store/types';

/** One weights × codec configuration, measured. */
export interface SizeSpeedRow {
  model: string;
  hidden: number;
  k: number;
  /** Upper-layer weights (the answering pass). */
  weights: WeightPrecision;
  /** Lower-layer weights (indexing, and the question's lower layers). */
  lowerWeights: WeightPrecision;
  codec: Precision;
  bytesPerToken: number;
  /** Stored bytes per token relative to fp16 (today's default). */
  bytesVsFp16: number;
  em: number;
  f1: number;
  /** F1 minus the F1 of fp32 weights with fp16 states, same run. */
  f1Delta: number;
  /**
   * Share of questions answered with exactly the baseline's (fp32 weights, fp16 states) text. F1 on
   * 1,390 questions moves ±0.5 when a few dozen answers change either way; this sees every change.
   */
  agreement: number;
  questions: number;
  questionMsN1: number;
  questionMsN10: number;
  indexTokensPerSecond: number;
  isDefault: boolean;
}

/** Weights × codecs to measure; fp32/fp16 (today's default) is the baseline of every delta. */
const plans: Array<{ weights: WeightPrecision; lowerWeights: WeightPrecision; codecs: Precision[] }> = [
  { weights: 'fp32', lowerWeights: 'fp32', codecs: ['fp16', 'fp32', 'int8', 'int4', 'int3'] },
  { weights: 'int8', lowerWeights: 'fp32', codecs: ['fp16', 'int4', 'int3'] },
  { weights: 'int8', lowerWeights: 'int8', codecs: ['fp16', 'int8', 'int4', 'int3'] },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** The built-in model and its held-out split. */
export const builtinModelDir = resolve(import.meta.dirname, '../../models/builtin/deformer-minilm-l6-squad');
export const builtinSplit = resolve(import.meta.dirname, '../../models/train/split.json');

/**
 * Runs every plan: first accuracy (deterministic, one plan after another), then speed with every
 * configuration interleaved round by round, so the shared machine's changing load falls on all
 * of them alike (ratios within one run are what to compare). `quick`: 200 questions, 5 rounds.
 */
export async function runSizeSpeedBench(opts: { quick: boolean; workDir: string; log: (line: string) => void }): Promise<SizeSpeedRow[]> {
  const { quick, workDir, log } = opts;
  const dataset = heldOutPart(loadSquad(squadDevPath), builtinSplit);
  const tokenizer = await loadTokenizer(builtinModelDir);
  const k = defaultK(readConfig(builtinModelDir));
  const engines: Engine[] = [];
  try {
    const rows: SizeSpeedRow[] = [];
    const predictions: Array<Record<string, string>> = [];
    for (const plan of plans) {
      const engine = await Engine.open(builtinModelDir, {
        k, cacheDir: join(workDir, 'engine-cache'), weights: plan.weights, lowerWeights: plan.lowerWeights, openFirst: 'ask',
      });
      engines.push(engine);
      for (const codec of plan.codecs) {
        const started = performance.now();
        const result = await runSquadEval({ dataset, engine, tokenizer, mode: 'deformer', setting: 'closed', precision: codec, limit: quick ? 200 : undefined });
        const H = engine.config.hidden;
        rows.push({
          model: 'deformer-minilm-l6-squad', hidden: H, k, weights: plan.weights, lowerWeights: plan.lowerWeights, codec,
          bytesPerToken: bytesPerToken(codec, H),
          bytesVsFp16: round(bytesPerToken(codec, H) / bytesPerToken('fp16', H), 3),
          em: round(result.exactMatch, 2), f1: round(result.f1, 2), f1Delta: 0, agreement: 0, questions: result.questions,
          questionMsN1: 0, questionMsN10: 0, indexTokensPerSecond: 0, isDefault: false,
        });
        predictions.push(result.predictions);
        log(`weights ${plan.weights} (lower ${plan.lowerWeights}) codec ${codec}: EM ${result.exactMatch.toFixed(2)} F1 ${result.f1.toFixed(2)} [${((performance.now() - started) / 1000).toFixed(0)} s]`);
      }
    }
    await timeInterleaved(rows, engines, dataset, tokenizer, quick ? 5 : 25, log);
    const baselineAt = rows.findIndex((r) => r.weights === 'fp32' && r.codec === 'fp16');
    const baseline = rows[baselineAt];
    for (const [i, r] of rows.entries()) {
      r.f1Delta = round(r.f1 - baseline.f1, 2);
      r.agreement = round(agreement(predictions[i], predictions[baselineAt]), 4);
      r.isDefault =
        r.weights === defaultSettings.weights && r.lowerWeights === lowerWeightsFor(defaultSettings.weights, defaultSettings.precision) && r.codec === defaultSettings.precision;
      log(
        `${r.weights}/${r.lowerWeights} ${r.codec}: ${r.bytesPerToken} B/token (${r.bytesVsFp16}x fp16), EM ${r.em} F1 ${r.f1} (${r.f1Delta >= 0 ? '+' : ''}${r.f1Delta}), same answer ${(100 * r.agreement).toFixed(1)}%, ` +
          `question ${r.questionMsN1} ms (N=1) ${r.questionMsN10} ms (N=10), index ${r.indexTokensPerSecond} tok/s${r.isDefault ? '  <- default' : ''}`,
      );
    }
    return rows;
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
}

/** Share of the baseline's questions answered with the same text. */
export function agreement(answers: Record<string, string>, baseline: Record<string, string>): number {
  const ids = Object.keys(baseline);
  return ids.length === 0 ? 0 : ids.filter((id) => answers[id] === baseline[id]).length / ids.length;
}

/**
 * Speed of every row, interleaved: each round times, for every plan, the lower pass over the same
 * windows (+ encoding in each codec), and for every row one question at N = 1 and N = 10 (decode
 * N stored records + the ask pass). Medians over rounds (after one warm-up round).
 */
async function timeInterleaved(rows: SizeSpeedRow[], engines: Engine[], dataset: SquadDataset, tokenizer: Tokenizer, rounds: number, log: (line: string) => void): Promise<void> {
  const windows = heldOutWindows(dataset, tokenizer, 48);
  const tokens = windows.reduce((n, w) => n + w.ids.length, 0);
  const questions = dataset.paragraphs.flatMap((p) => p.questions.map((q) => q.question));
  const planOf = (r: SizeSpeedRow) => plans.findIndex((p) => p.weights === r.weights && p.lowerWeights === r.lowerWeights);
  // Stored records per row, from its own engine's lower pass (as its cache would hold them).
  const lowered = await Promise.all(engines.map((e) => e.lowerPassages(windows)));
  const records = rows.map((r) => lowered[planOf(r)].map((s) => encodeStates(s, r.codec).slice()));
  const lowerMs: number[][] = engines.map(() => []);
  const encodeMs: number[][] = rows.map(() => []);
  const ask: Array<Record<1 | 10, number[]>> = rows.map(() => ({ 1: [], 10: [] }));
  for (let pass = 0; pass <= rounds; pass++) {
    for (let p = 0; p < engines.length; p++) {
      const t = performance.now();
      const states = await engines[p].lowerPassages(windows);
      if (pass > 0) lowerMs[p].push(performance.now() - t);
      rows.forEach((r, i) => {
        if (planOf(r) !== p) return;
        const e = performance.now();
        for (const s of states) encodeStates(s, r.codec);
        if (pass > 0) encodeMs[i].push(performance.now() - e);
      });
    }
    for (let i = 0; i < rows.length; i++) {
      const engine = engines[planOf(rows[i])];
      for (const N of [1, 10] as const) {
        const picked = Array.from({ length: N }, (_, j) => records[i][(pass * 7 + j * 5) % records[i].length]);
        const t = performance.now();
        const passages = picked.map((r) => decodeStates(r, 'bench'));
        await engine.askPass(engine.questionSegment(questions[(pass * 31) % questions.length]), passages);
        if (pass > 0) ask[i][N].push(performance.now() - t);
      }
    }
    if (pass % 5 === 0) log(`  speed round ${pass}/${rounds}`);
  }
  rows.forEach((r, i) => {
    r.questionMsN1 = round(median(ask[i][1]));
    r.questionMsN10 = round(median(ask[i][10]));
    r.indexTokensPerSecond = Math.round(tokens / ((median(lowerMs[planOf(r)]) + median(encodeMs[i])) / 1000));
  });
}

/** Passage windows `p [SEP]` of the held-out paragraphs, as the indexer cuts them. */
function heldOutWindows(dataset: SquadDataset, tokenizer: Tokenizer, count: number) {
  return dataset.paragraphs
    .flatMap((p) => windowsOf(p.context, tokenizer, defaultWindows))
    .slice(0, count)
    .map((w) => ({ ids: w.ids, offsets: w.offsets }));
}
