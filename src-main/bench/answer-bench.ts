/**
 * Answer section of `npm run bench`: one question over a library of ≥ 10,000 passages, end to end
 * through the Reader (BM25 retrieval → question lower pass once → N cached states from LMDB →
 * one upper pass → spans), DeFormer vs the full model, for N = 1, 5, 10 passages per question.
 * Full-size random checkpoints (BERT-base, DistilBERT shapes); the library is answer-library.ts.
 * Full and DeFormer asks alternate per question, so both see the same machine load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { Reader } from '../core/answer/reader';
import { loadSquad, type SquadDataset } from '../core/eval/squad-data';
import { Engine } from '../core/model/engine';
import type { WeightPrecision } from '../core/model/onnx/int8-weights';
import { loadTokenizer } from '../core/model/tokenizer';
import { squadDevPath } from '../core/testing/paths';
import { openBenchLibrary } from './answer-library';

/** One measured configuration: medians over the questions, in ms. */
export interface AnswerBenchRow {
  model: string;
  k: number;
  /** N: passages read per question. */
  passages: number;
  /** Whole ask in full mode (retrieval + full model over N passages + decoding). */
  fullMs: number;
  /** Whole ask in DeFormer mode (retrieval + question lower pass + cache read + upper pass + decoding). */
  deformerMs: number;
  cacheReadMs: number;
  retrievalMs: number;
  questionMs: number;
  upperMs: number;
  /** Median over questions of cacheReadMs / deformerMs, ×100. */
  cacheReadPercent: number;
  libraryPassages: number;
  questions: number;
  precision: string;
  /** Weights of the upper graph (the lower pass and the stored states do not depend on it). */
  upperWeights: WeightPrecision;
}

/** One model to measure. */
export interface AnswerBenchPlan {
  model: string;
  /** Checkpoint folder (made on first use for the random presets). */
  checkpointDir: string;
  k: number;
  libraryPassages: number;
  passagesPerQuestion: number[];
  questions: number;
  warmup: number;
  /** Upper-graph weights; default fp32. */
  upperWeights?: WeightPrecision;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Runs the answer benchmark; `quick` is DistilBERT only, N = 10, 5 questions, a 2,000-passage library. */
export async function runAnswerBench(opts: { quick: boolean; workDir: string; log: (line: string) => void }): Promise<AnswerBenchRow[]> {
  const { quick, workDir, log } = opts;
  const checkpoint = async (preset: keyof typeof randomCheckpointPresets) => {
    // Same folder and seed as the engine bench, so the two share checkpoints and graphs.
    const dir = join(workDir, 'checkpoints', preset);
    if (!existsSync(join(dir, 'model.safetensors')) || !existsSync(join(dir, 'config.json'))) {
      log(`making random ${preset} checkpoint in ${dir}`);
      await makeRandomCheckpoint({ ...randomCheckpointPresets[preset], seed: 1, out: dir });
    }
    return dir;
  };
  const distilQuick: AnswerBenchPlan = { model: 'distilbert-base', checkpointDir: await checkpoint('distilbert-base'), k: 4, libraryPassages: 2000, passagesPerQuestion: [10], questions: 5, warmup: 1 };
  const plans: AnswerBenchPlan[] = quick
    ? [distilQuick, { ...distilQuick, upperWeights: 'int8' }]
    : [
        // k = 3n/4 (the index default) for both shapes, and DistilBERT k = 5 (one joint layer): the split that meets 300 ms at N = 10 in fp32.
        { model: 'distilbert-base', checkpointDir: await checkpoint('distilbert-base'), k: 4, libraryPassages: 10000, passagesPerQuestion: [1, 5, 10], questions: 15, warmup: 2 },
        // The same k with int8 upper weights (QAttention + DynamicQuantizeMatMul): same library, same stored states.
        { model: 'distilbert-base', checkpointDir: await checkpoint('distilbert-base'), k: 4, libraryPassages: 10000, passagesPerQuestion: [10], questions: 15, warmup: 2, upperWeights: 'int8' },
        { model: 'distilbert-base', checkpointDir: await checkpoint('distilbert-base'), k: 5, libraryPassages: 10000, passagesPerQuestion: [10], questions: 15, warmup: 2 },
        { model: 'bert-base', checkpointDir: await checkpoint('bert-base'), k: 9, libraryPassages: 10000, passagesPerQuestion: [1, 5, 10], questions: 15, warmup: 2 },
      ];
  const dataset = loadSquad(squadDevPath);
  const rows: AnswerBenchRow[] = [];
  for (const plan of plans) rows.push(...(await benchModel(plan, dataset, workDir, log)));
  return rows;
}

/** Measures one model at one k over its library for each N; prints a line per N. */
export async function benchModel(plan: AnswerBenchPlan, dataset: SquadDataset, workDir: string, log: (line: string) => void): Promise<AnswerBenchRow[]> {
  const upperWeights = plan.upperWeights ?? 'fp32';
  const engine = await Engine.open(plan.checkpointDir, { k: plan.k, cacheDir: join(workDir, 'engine-cache'), weights: upperWeights });
  const tokenizer = await loadTokenizer(plan.checkpointDir);
  const store = await openBenchLibrary({ engine, tokenizer, dataset, passages: plan.libraryPassages, workDir, log });
  try {
    const libraryPassages = store.stats().passages;
    const precision = store.identity.precision;
    log(`${plan.model} k=${plan.k}: ${libraryPassages} passages (${precision}), provider ${engine.provider.name}, upper weights ${upperWeights}`);
    const reader = new Reader({ store, engine, tokenizer });
    // Questions from the end of the dev set; their paragraphs are in the library like every other.
    const questions = dataset.paragraphs.flatMap((p) => p.questions.map((q) => q.question)).reverse();
    const rows: AnswerBenchRow[] = [];
    for (const N of plan.passagesPerQuestion) {
      const full: number[] = [];
      const deformer: Array<{ total: number; cache: number; retrieval: number; question: number; upper: number }> = [];
      for (let i = 0; i < plan.warmup + plan.questions; i++) {
        const q = questions[i];
        const f = await reader.ask(q, { mode: 'full', topPassages: N });
        const d = await reader.ask(q, { mode: 'deformer', topPassages: N });
        if (i < plan.warmup) continue;
        full.push(f.timings.totalMs);
        const t = d.timings;
        deformer.push({ total: t.totalMs, cache: t.cacheReadMs, retrieval: t.retrievalMs, question: t.questionMs, upper: t.upperMs });
      }
      const pick = (key: keyof (typeof deformer)[number]) => median(deformer.map((d) => d[key]));
      const row: AnswerBenchRow = {
        model: plan.model,
        k: plan.k,
        passages: N,
        fullMs: round(median(full)),
        deformerMs: round(pick('total')),
        cacheReadMs: round(pick('cache'), 2),
        retrievalMs: round(pick('retrieval'), 2),
        questionMs: round(pick('question')),
        upperMs: round(pick('upper')),
        cacheReadPercent: round(median(deformer.map((d) => (100 * d.cache) / d.total)), 2),
        libraryPassages,
        questions: plan.questions,
        precision,
        upperWeights,
      };
      rows.push(row);
      log(
        `${plan.model} k=${plan.k} N=${N} (upper ${upperWeights}): full ${row.fullMs} ms, deformer ${row.deformerMs} ms ` +
          `(retrieval ${row.retrievalMs}, question ${row.questionMs}, cache read ${row.cacheReadMs} = ${row.cacheReadPercent}%, upper ${row.upperMs}), ` +
          `speed-up ${round(row.fullMs / row.deformerMs, 2)}x`,
      );
    }
    return rows;
  } finally {
    await store.close();
    await engine.close();
  }
}
