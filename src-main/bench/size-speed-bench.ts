/**
 * `npm run bench -- --size-speed`: accuracy, speed and size of every weights × state-codec pair on
 * the built-in model, each row from the app's own SQuAD path (answer/squad-eval.ts, closed
 * setting, the held-out articles of models/train/split.json), in one run beside the fp32 baseline.
 *   EM / F1       : all held-out questions, passages' lower states encoded and decoded by the codec
 *   question ms   : median of (decode N stored records + the ask pass) over held-out questions, N = 1, 10
 *   index tok/s   : lower pass + encode of held-out passage windows, batched as the indexer does
 *   B/token       : stored bytes per token of the codec (header excluded)
 */
import { join, resolve } from 'node:path';
import { defaultWindows, windowsOf } from '../core/answer/document-write';
import { heldOutPart, loadSquad, type SquadDataset } from '../core/answer/squad-data';
import { runSquadEval } from '../core/answer/squad-eval';
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

/** Runs every plan; `quick` scores the first 200 questions and times 10. */
export async function runSizeSpeedBench(opts: { quick: boolean; workDir: string; log: (line: string) => void }): Promise<SizeSpeedRow[]> {
  const { quick, workDir, log } = opts;
  const dataset = heldOutPart(loadSquad(squadDevPath), builtinSplit);
  const tokenizer = await loadTokenizer(builtinModelDir);
  const k = defaultK(readConfig(builtinModelDir));
  const rows: SizeSpeedRow[] = [];
  for (const plan of plans) {
    const engine = await Engine.open(builtinModelDir, {
      k, cacheDir: join(workDir, 'engine-cache'), weights: plan.weights, lowerWeights: plan.lowerWeights, openFirst: 'ask',
    });
    try {
      const windows = heldOutWindows(dataset, tokenizer, quick ? 40 : 160);
      const indexTokensPerSecond = await timeIndexing(engine, windows, plan.codecs[0]);
      const states = await engine.lowerPassages(windows);
      const questions = dataset.paragraphs.flatMap((p) => p.questions.map((q) => q.question)).slice(0, quick ? 10 : 40);
      for (const codec of plan.codecs) {
        const started = performance.now();
        const result = await runSquadEval({ dataset, engine, tokenizer, mode: 'deformer', setting: 'closed', precision: codec, limit: quick ? 200 : undefined });
        const [n1, n10] = await timeQuestions(engine, questions, states, codec);
        const row: SizeSpeedRow = {
          model: 'deformer-minilm-l6-squad',
          hidden: engine.config.hidden,
          k,
          weights: plan.weights,
          lowerWeights: plan.lowerWeights,
          codec,
          bytesPerToken: bytesPerToken(codec, engine.config.hidden),
          bytesVsFp16: round(bytesPerToken(codec, engine.config.hidden) / bytesPerToken('fp16', engine.config.hidden), 3),
          em: round(result.exactMatch, 2),
          f1: round(result.f1, 2),
          f1Delta: 0,
          questions: result.questions,
          questionMsN1: round(n1),
          questionMsN10: round(n10),
          indexTokensPerSecond: Math.round(indexTokensPerSecond),
          isDefault: false,
        };
        rows.push(row);
        log(
          `weights ${plan.weights} (lower ${plan.lowerWeights}) codec ${codec}: ${row.bytesPerToken} B/token, EM ${row.em} F1 ${row.f1}, ` +
            `question ${row.questionMsN1} ms (N=1) ${row.questionMsN10} ms (N=10), index ${row.indexTokensPerSecond} tok/s ` +
            `[${((performance.now() - started) / 1000).toFixed(0)} s]`,
        );
      }
    } finally {
      await engine.close();
    }
  }
  const baseline = rows.find((r) => r.weights === 'fp32' && r.codec === 'fp16')!;
  for (const r of rows) {
    r.f1Delta = round(r.f1 - baseline.f1, 2);
    r.isDefault =
      r.weights === defaultSettings.weights && r.lowerWeights === lowerWeightsFor(defaultSettings.weights, defaultSettings.precision) && r.codec === defaultSettings.precision;
  }
  return rows;
}

/** Passage windows `p [SEP]` of the held-out paragraphs, as the indexer cuts them. */
function heldOutWindows(dataset: SquadDataset, tokenizer: Tokenizer, count: number) {
  return dataset.paragraphs
    .flatMap((p) => windowsOf(p.context, tokenizer, defaultWindows))
    .slice(0, count)
    .map((w) => ({ ids: w.ids, offsets: w.offsets }));
}

/**
 * Lower pass + state encoding of the windows (after one warm-up batch), tokens per second: the best
 * of 3 rounds, because the shared machine's other load only ever slows a round down.
 */
async function timeIndexing(engine: Engine, windows: Array<{ ids: Int32Array; offsets: Array<[number, number]> }>, codec: Precision): Promise<number> {
  await engine.lowerPassages(windows.slice(0, 8));
  const tokens = windows.reduce((n, w) => n + w.ids.length, 0);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const states = await engine.lowerPassages(windows);
    for (const s of states) encodeStates(s, codec);
    best = Math.max(best, tokens / ((performance.now() - started) / 1000));
  }
  return best;
}

/** Median ms of (decode N records + ask pass) over the questions, for N = 1 and N = 10 (after 2 warm-ups). */
async function timeQuestions(engine: Engine, questions: string[], states: LowerStates[], codec: Precision): Promise<[number, number]> {
  const records = states.map((s) => encodeStates(s, codec).slice());
  const out: number[] = [];
  for (const N of [1, 10]) {
    const times: number[] = [];
    for (let i = 0; i < questions.length + 2; i++) {
      const picked = Array.from({ length: N }, (_, j) => records[(i * 7 + j * 13) % records.length]);
      const started = performance.now();
      const passages = picked.map((r) => decodeStates(r, 'bench'));
      await engine.askPass(engine.questionSegment(questions[i % questions.length]), passages);
      if (i >= 2) times.push(performance.now() - started);
    }
    out.push(median(times));
  }
  return [out[0], out[1]];
}
