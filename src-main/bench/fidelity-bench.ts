/**
 * Fidelity section of the benchmark: how far span logits move when cached passage states are
 * stored as fp16 or int8 (one fp32 scale per token) instead of fp32, and how often the reader's
 * best span changes (definitions in core/eval/fidelity.ts). SQuAD dev questions with their
 * paragraphs cut into the app's default windows; the tiny golden checkpoints at k = 2 and a
 * full-size random BERT-base at k = 9 (the engine bench's checkpoint, reused).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { measureFidelity, squadFidelityCases, storedRoundTrip } from '../core/eval/fidelity';
import { loadSquad } from '../core/eval/squad-data';
import { Engine } from '../core/model/engine';
import { loadTokenizer } from '../core/model/tokenizer';
import { defaultSettings } from '../core/settings';
import { bytesPerToken } from '../core/store/quantize';
import { squadDevPath, tinyBertDir, tinyDistilBertDir } from '../core/testing/paths';

/** One (model, k, precision) measured against fp32. */
export interface FidelityBenchRow {
  model: string;
  k: number;
  precision: 'fp16' | 'int8';
  /** Stored bytes per passage token (fp32 would be 4H). */
  bytesPerToken: number;
  /** Max |logit − fp32 logit| over every passage position of every (question, passage) pair. */
  maxAbsLogitError: number;
  /** Max over pairs of (that pair's max |Δlogit|) / (that pair's max |fp32 logit|). */
  maxRelLogitError: number;
  /** Mean |Δlogit| over every compared logit. */
  meanAbsLogitError: number;
  /** Share of questions (in %) whose best span across their passages differs from fp32's. */
  bestSpanChangedPct: number;
  questions: number;
  /** (question, passage) pairs read. */
  passages: number;
}

const BERT_BASE = 'bert-base';

/** The engine bench's random BERT-base (same folder and seed), made once. */
async function bertBaseDir(workDir: string, log: (line: string) => void): Promise<string> {
  const dir = join(workDir, 'checkpoints', BERT_BASE);
  if (!existsSync(join(dir, 'model.safetensors')) || !existsSync(join(dir, 'config.json'))) {
    log(`making random ${BERT_BASE} checkpoint in ${dir}`);
    await makeRandomCheckpoint({ ...randomCheckpointPresets[BERT_BASE], seed: 1, out: dir });
  }
  return dir;
}

const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(2));

/** Runs the fidelity benchmark over ~50 SQuAD questions per model (quick: 10) and prints a table. */
export async function runFidelityBench(opts: { quick: boolean; workDir: string; log: (s: string) => void }): Promise<FidelityBenchRow[]> {
  const { quick, workDir, log } = opts;
  const questions = quick ? 10 : 50;
  const windows = { windowTokens: defaultSettings.windowTokens, overlapTokens: defaultSettings.overlapTokens };
  const squad = loadSquad(squadDevPath);
  const models = [
    { model: 'tiny-bert-qa', dir: tinyBertDir, k: 2 },
    { model: 'tiny-distilbert-qa', dir: tinyDistilBertDir, k: 2 },
    { model: BERT_BASE, dir: await bertBaseDir(workDir, log), k: 9 },
  ];
  const rows: FidelityBenchRow[] = [];
  for (const { model, dir, k } of models) {
    const started = performance.now();
    const cases = squadFidelityCases(squad, await loadTokenizer(dir), questions, windows);
    const engine = await Engine.open(dir, { k, cacheDir: join(workDir, 'engine-cache') });
    const opened = performance.now();
    try {
      const stats = await measureFidelity(engine, cases, { fp16: storedRoundTrip('fp16'), int8: storedRoundTrip('int8') });
      for (const precision of ['fp16', 'int8'] as const) {
        const s = stats[precision];
        rows.push({
          model,
          k,
          precision,
          bytesPerToken: bytesPerToken(precision, engine.config.hidden),
          maxAbsLogitError: s.maxAbsLogitError,
          maxRelLogitError: s.maxRelLogitError,
          meanAbsLogitError: s.meanAbsLogitError,
          bestSpanChangedPct: Number(s.bestSpanChangedPct.toFixed(1)),
          questions: s.questions,
          passages: s.pairs,
        });
      }
    } finally {
      await engine.close();
    }
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
    log(`${model} k=${k}: opened in ${seconds(started, opened)} s, ${cases.length} questions in ${seconds(opened, performance.now())} s`);
  }
  printTable(rows, log);
  return rows;
}

function printTable(rows: FidelityBenchRow[], log: (s: string) => void): void {
  const header = ['model', 'k', 'precision', 'bytes/token', 'max |Δlogit|', 'max rel', 'mean |Δlogit|', 'span changed', 'questions', 'passages'];
  const cells = rows.map((r) => [
    r.model, String(r.k), r.precision, String(r.bytesPerToken), fmt(r.maxAbsLogitError), fmt(r.maxRelLogitError),
    fmt(r.meanAbsLogitError), `${r.bestSpanChangedPct}%`, String(r.questions), String(r.passages),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ');
  log(line(header));
  for (const row of cells) log(line(row));
}
