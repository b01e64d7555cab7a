/**
 * `eval-squad --model DIR [--mode deformer|full] [--k K] [--setting closed|open] [--limit N] [--out FILE] [--split FILE]`
 * Runs the SQuAD v1.1 dev set through the reader (answer/squad-eval.ts) and prints EM, F1 (the
 * official metric) and latency per question. `--out FILE` gets the official answers file
 * ({question id: answer}) and FILE's `.metrics.json` sibling the scores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { heldOutPart, loadSquad } from '../core/eval/squad-data';
import { runSquadEval, type SquadEvalResult, type SquadSetting } from '../core/eval/squad-eval';
import { openSquadLibrary } from '../core/eval/squad-library';
import type { AnswerMode } from '../core/answer/types';
import { DeskError } from '../core/errors';
import { defaultK, readConfig } from '../core/model/config';
import { Engine } from '../core/model/engine';
import { lowerWeightsFor } from '../core/model/lower-weights';
import { loadTokenizer } from '../core/model/tokenizer';
import type { WeightPrecision } from '../core/model/onnx/int8-weights';
import type { ProviderName } from '../core/model/types';
import type { Precision } from '../core/store/types';
import { parseCommand, usageError } from './args';

const usage =
  'usage: eval-squad --model DIR [--mode deformer|full] [--k K] [--setting closed|open] [--limit N] [--out FILE]\n' +
  '       [--top N] [--data dev-v1.1.json] [--split models/train/split.json (its held-out articles only)] [--precision fp32|fp16|int8|int4|int3] [--weights fp32|int8] [--cache-dir DIR] [--provider auto|cpu|...] [--threads N]';

const repoRoot = resolve(import.meta.dirname, '../..');
const defaultData = resolve(repoRoot, '../shared/data/squad/dev-v1.1.json');

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    options: {
      model: { type: 'string' },
      mode: { type: 'string', default: 'deformer' },
      k: { type: 'string' },
      setting: { type: 'string', default: 'closed' },
      limit: { type: 'string' },
      out: { type: 'string' },
      top: { type: 'string', default: '10' },
      data: { type: 'string' },
      split: { type: 'string' },
      precision: { type: 'string', default: 'fp16' },
      weights: { type: 'string', default: 'fp32' },
      'cache-dir': { type: 'string' },
      provider: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.model) return usageError(usage);
  const model = resolve(values.model);
  const mode = oneOf<AnswerMode>(values.mode!, ['deformer', 'full'], '--mode');
  const setting = oneOf<SquadSetting>(values.setting!, ['closed', 'open'], '--setting');
  const precision = oneOf<Precision>(values.precision!, ['fp32', 'fp16', 'int8', 'int4', 'int3'], '--precision');
  const weights = oneOf<WeightPrecision>(values.weights!, ['fp32', 'int8'], '--weights');
  const cacheRoot = resolve(values['cache-dir'] ?? join(repoRoot, '.cache'));
  const all = loadSquad(resolve(values.data ?? defaultData));
  const dataset = values.split ? heldOutPart(all, resolve(values.split)) : all;

  const engine = await Engine.open(model, {
    k: values.k !== undefined ? int(values.k, '--k') : defaultK(readConfig(model)),
    cacheDir: cacheRoot,
    provider: values.provider as ProviderName | undefined,
    threads: values.threads ? int(values.threads, '--threads') : undefined,
    weights,
    lowerWeights: lowerWeightsFor(weights, precision),
  });
  try {
    const tokenizer = await loadTokenizer(model);
    const store = setting === 'open' ? await openSquadLibrary({ dataset, engine, tokenizer, cacheRoot, precision, log: (l) => console.error(l) }) : undefined;
    try {
      const started = performance.now();
      const result = await runSquadEval({
        dataset,
        engine,
        tokenizer,
        mode,
        setting,
        limit: values.limit !== undefined ? int(values.limit, '--limit') : undefined,
        topPassages: int(values.top!, '--top'),
        store,
        precision,
        onProgress: (done, total) => {
          if (done % 100 === 0 || done === total) console.error(`  ${done}/${total} questions`);
        },
      });
      printResult(result, model, engine.provider.name, (performance.now() - started) / 1000);
      if (values.out) writeOutputs(resolve(values.out), result, model);
      return 0;
    } finally {
      await store?.close();
    }
  } finally {
    await engine.close();
  }
}

function printResult(r: SquadEvalResult, model: string, provider: string, seconds: number): void {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`SQuAD v1.1 dev, ${r.setting} setting, ${r.mode}${r.mode === 'deformer' ? ` k=${r.k}` : ''}, ${model} on ${provider}`);
  console.log(`questions ${r.questions}   EM ${r.exactMatch.toFixed(2)}   F1 ${r.f1.toFixed(2)}`);
  console.log(`latency per question: median ${ms(r.latencyMs.median)}, p90 ${ms(r.latencyMs.p90)}, mean ${ms(r.latencyMs.mean)}`);
  if (r.retrievalRecall !== undefined) console.log(`own paragraph among the passages read: ${r.retrievalRecall.toFixed(1)}%`);
  console.log(`wall time ${seconds.toFixed(1)} s`);
}

/** FILE: the official answers file; FILE.metrics.json (FILE minus .json): scores and latency. */
function writeOutputs(out: string, r: SquadEvalResult, model: string): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(r.predictions, null, 1)}\n`);
  const { predictions: _predictions, ...metrics } = r;
  const metricsPath = `${out.replace(/\.json$/, '')}.metrics.json`;
  writeFileSync(metricsPath, `${JSON.stringify({ model, ...metrics }, null, 2)}\n`);
  console.log(`wrote ${out} and ${metricsPath}`);
}


function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new DeskError('BAD_REQUEST', `${flag} must be ${allowed.join(' or ')}, not "${value}"`);
}

function int(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new DeskError('BAD_REQUEST', `${flag} must be a whole number, not "${value}"`);
  return n;
}
