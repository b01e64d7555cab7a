/**
 * `eval-recipe --run DIR [--split FILE] [--data FILE] [--out FILE] [--no-open]`
 * The training recipe's table, measured through the app's own path (answer/squad-eval.ts) on the
 * held-out articles: the full model; the stage-1 model split at every k = 0..n with no retraining
 * (k = 0 differs from the full model only in the passage's positions, which start at P); and
 * every DeFormer-trained model of the run. Closed setting (each question reads its paragraph)
 * for all rows; open setting (BM25 over all held-out paragraphs, the top 10 read) for the full
 * model, the aux-trained students and the stage-1 model at their k, on the first --open-limit
 * questions (reading 10 passages costs 10 upper passes). JSON out, a Markdown table on screen.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { theoreticalSpeedup } from '../bench/engine-bench';
import { defaultWindows } from '../core/answer/document-write';
import { maxQuestionTokens } from '../core/answer/question';
import { calibrate, type Calibration } from '../core/eval/squad-calibration';
import { heldOutPart, loadSquad, type SquadDataset } from '../core/eval/squad-data';
import { takeQuestions } from '../core/eval/squad-scoring';
import { runSquadEval, type SquadSetting } from '../core/eval/squad-eval';
import { openSquadLibrary } from '../core/eval/squad-library';
import type { AnswerMode } from '../core/answer/types';
import { readConfig } from '../core/model/config';
import { Engine } from '../core/model/engine';
import { loadTokenizer } from '../core/model/tokenizer';
import { parseCommand, usageError } from './args';

const usage = 'usage: eval-recipe --run DIR [--split FILE] [--data dev-v1.1.json] [--out FILE] [--no-open] [--open-limit N] [--threads N]';
const repoRoot = resolve(import.meta.dirname, '../..');

interface Row {
  model: string;
  k: number | null; // null: the unsplit model
  training: string;
  setting: SquadSetting;
  questions: number;
  em: number;
  f1: number;
  msPerQuestion: number;
  speedupMeasured?: number;
  speedupTheory?: number;
  retrievalRecall?: number;
  /** How the top answer's probability tracks being right (answer/squad-calibration.ts). */
  calibration?: Calibration;
}

interface Job { name: string; dir: string; mode: AnswerMode; k: number; training: string; open: boolean }

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    options: {
      run: { type: 'string' },
      split: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      'open-limit': { type: 'string', default: '300' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.run) return usageError(usage);
  const runDir = resolve(values.run);
  const all = loadSquad(resolve(values.data ?? join(repoRoot, '../shared/data/squad/dev-v1.1.json')));
  const dataset = heldOutPart(all, resolve(values.split ?? join(repoRoot, 'models/train/split.json')));
  const record = JSON.parse(readFileSync(join(runDir, 'recipe.json'), 'utf8')) as { stages: Record<string, { config: { gamma: number; beta: number }; init: string }> };
  const jobs = plan(runDir, record, !values['no-open']);
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  const cacheRoot = join(repoRoot, '.cache');
  const { c, m } = meanLengths(dataset, await loadTokenizer(join(runDir, 'models/teacher')));

  const rows: Row[] = [];
  for (const job of jobs) {
    // One engine per model and k, for both settings: opening builds or loads its graphs.
    const engine = await Engine.open(job.dir, { k: job.k, cacheDir: cacheRoot, provider: 'cpu', threads, openFirst: 'ask' });
    try {
      const tokenizer = await loadTokenizer(job.dir);
      for (const setting of job.open ? (['closed', 'open'] as const) : (['closed'] as const)) {
        const store = setting === 'open' ? await openSquadLibrary({ dataset, engine, tokenizer, cacheRoot }) : undefined;
        try {
          const limit = setting === 'open' ? Number(values['open-limit']) : undefined;
          const r = await runSquadEval({ dataset, engine, tokenizer, mode: job.mode, setting, store, topPassages: 10, limit });
          const n = engine.config.layers;
          rows.push({
            model: job.name,
            k: job.mode === 'full' ? null : job.k,
            training: job.training,
            setting,
            questions: r.questions,
            em: round(r.exactMatch),
            f1: round(r.f1),
            msPerQuestion: round(r.latencyMs.median),
            ...(setting === 'open' ? { retrievalRecall: round(r.retrievalRecall ?? 0) } : {}),
            ...(job.mode === 'deformer' ? { speedupTheory: round(theoreticalSpeedup(n, job.k, engine.config.hidden, c, m)) } : {}),
            calibration: calibrate(takeQuestions(dataset, limit), r.predictions, r.probabilities),
          });
          console.error(`${job.name} k=${job.k} ${setting}: EM ${r.exactMatch.toFixed(2)} F1 ${r.f1.toFixed(2)} ${r.latencyMs.median.toFixed(1)} ms`);
        } finally {
          await store?.close();
        }
      }
    } finally {
      await engine.close();
    }
  }
  for (const row of rows) {
    const full = rows.find((r) => r.k === null && r.setting === row.setting);
    if (full && row.k !== null) row.speedupMeasured = round(full.msPerQuestion / row.msPerQuestion);
  }
  const result = { heldOut: { articles: new Set(dataset.paragraphs.map((p) => p.title)).size, questions: rows[0]?.questions, meanQuestionTokens: round(c), meanPassageTokens: round(m) }, rows };
  console.log(table(rows));
  for (const row of rows.filter((r) => r.calibration && r.training.includes('KD'))) {
    console.log(`\ncalibration, ${row.model} (${row.setting}): probability band → questions, EM, F1`);
    for (const b of row.calibration!.deciles) console.log(`  [${b.from.toFixed(1)}, ${b.to.toFixed(1)}) ${String(b.questions).padStart(5)}  EM ${b.exactMatch.toFixed(1)}  F1 ${b.f1.toFixed(1)}`);
  }
  if (values.out) {
    mkdirSync(dirname(resolve(values.out)), { recursive: true });
    writeFileSync(resolve(values.out), `${JSON.stringify(result, null, 2)}\n`);
  }
  return 0;
}

/** The rows: full, the stage-1 model at every k without retraining, then every trained student. */
function plan(runDir: string, record: { stages: Record<string, { config: { gamma: number; beta: number }; init: string }> }, open: boolean): Job[] {
  const teacher = join(runDir, 'models/teacher');
  const n = readConfig(teacher).layers;
  const students = readdirSync(join(runDir, 'models')).filter((d) => d !== 'teacher' && existsSync(join(runDir, 'models', d, 'config.json')));
  const trainedKs = new Set(students.map((d) => readConfig(join(runDir, 'models', d)).deformer!.k));
  const jobs: Job[] = [{ name: 'teacher', dir: teacher, mode: 'full', k: n, training: 'stage 1: QA fine-tuning (full model)', open }];
  for (let k = 0; k <= n; k++) {
    jobs.push({ name: 'teacher', dir: teacher, mode: 'deformer', k, training: 'none: stage-1 model split as is', open: open && trainedKs.has(k) });
  }
  for (const name of students.sort()) {
    const stage = record.stages[name];
    const k = readConfig(join(runDir, 'models', name)).deformer!.k;
    const aux = stage.config.gamma > 0 || stage.config.beta > 0;
    const training = aux
      ? `DeFormer: span + KD (γ ${stage.config.gamma.toFixed(2)}) + LRS (β ${stage.config.beta.toFixed(2)}), from ${stage.init}`
      : `DeFormer: span loss only, from ${stage.init}`;
    jobs.push({ name, dir: join(runDir, 'models', name), mode: 'deformer', k, training, open: open && aux && stage.init === 'teacher' });
  }
  return jobs;
}

/** Mean question segment and passage window lengths in tokens (for the theoretical speed-up). */
function meanLengths(dataset: SquadDataset, tokenizer: Awaited<ReturnType<typeof loadTokenizer>>): { c: number; m: number } {
  let qs = 0, q = 0, ps = 0, p = 0;
  for (const para of dataset.paragraphs) {
    const ids = tokenizer.tokenize(para.context).ids.length;
    ps += Math.min(ids, defaultWindows.windowTokens - 1) + 1; // its first window `p [SEP]`
    p++;
    for (const question of para.questions) {
      qs += tokenizer.questionSegment(question.question, maxQuestionTokens).ids.length;
      q++;
    }
  }
  return { c: qs / q, m: ps / p };
}

const round = (x: number) => Math.round(x * 100) / 100;

function table(rows: Row[]): string {
  const lines = ['| model | k | training | setting | EM | F1 | ms/question | speed-up (measured / theory) |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const speed = r.k === null ? '1x' : `${r.speedupMeasured?.toFixed(2) ?? '?'}x / ${r.speedupTheory?.toFixed(2)}x`;
    lines.push(`| ${r.model} | ${r.k ?? 'full'} | ${r.training} | ${r.setting}${r.retrievalRecall !== undefined ? ` (recall@10 ${r.retrievalRecall}%)` : ''} | ${r.em.toFixed(2)} | ${r.f1.toFixed(2)} | ${r.msPerQuestion.toFixed(1)} | ${speed} |`);
  }
  return lines.join('\n');
}
