/**
 * Engine section of `npm run bench`: per-question latency of the full model vs DeFormer with
 * cached passage states, on full-size random BERT-base / DistilBERT checkpoints, beside the
 * theoretical ratio of ARCHITECTURE.md#the-split. Full and DeFormer runs alternate, so both see the same
 * machine load (other processes on a shared CPU move absolute times, not the ratio).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { loadCheckpoint } from '../core/model/checkpoint';
import { Engine } from '../core/model/engine';
import type { Checkpoint, LowerStates, Segment } from '../core/model/types';
import { openRawStack } from './raw-stack';

/** One measured configuration. */
export interface EngineBenchRow {
  model: string;
  layers: number;
  hidden: number;
  k: number;
  /** Passages per question (joined in one upper-pass batch). */
  batch: number;
  questionTokens: number;
  passageTokens: number;
  /** Median ms of the full model over [CLS] q [SEP] p [SEP] for all `batch` passages. */
  fullMs: number;
  /** Median ms of question lower pass + upper pass over `batch` cached passages (askPass: one ORT run, as the app answers). */
  deformerMs: number;
  speedup: number;
  theoreticalSpeedup: number;
  /** Peak resident memory of the process so far (includes the checkpoint loaded in JS). */
  peakRssMb: number;
}

/**
 * Where the DeFormer time goes at one split, batch 1: its two halves timed apart (the `lower` and
 * `upper` graphs, two runs) beside the share of the full model's time their FLOPs predict, and a
 * raw ONNX Runtime stack of the same split timed in the same rounds (raw-stack.ts).
 * Measured after all the rows, so its extra sessions do not weigh on their peak RSS.
 */
export interface EnginePartsRow {
  model: string;
  layers: number;
  k: number;
  fullMs: number;
  deformerMs: number;
  /** Median ms of `engine.lowerQuestion`: embeddings + layers 1..k over the question alone. */
  questionLowerMs: number;
  /** Median ms of `engine.upperPass`: layers k+1..n + span head over [q; p]. */
  upperMs: number;
  /** fullMs · k·f(c) / (n·f(c+m)): the question's lower pass at the full model's FLOP rate. */
  questionFlopShareMs: number;
  /** fullMs · (n−k) / n: the upper pass at the full model's FLOP rate. */
  upperFlopShareMs: number;
  /** Plain ORT over the FLOP-carrying ops only, same split, same rounds (raw-stack.ts). */
  rawFullMs: number;
  rawDeformerMs: number;
  rawSpeedup: number;
}

/** The split the bench measures: the paper's (k = 9 of 12, 3n/4), so its rows compare with Cao et al. */
const paperK = (layers: number) => Math.floor((3 * layers) / 4);

const QUESTION_TOKENS = 27;
const PASSAGE_TOKENS = 320;
const CLS = 101;
const SEP = 102;

/** FLOPs of one layer over t tokens of width H (ARCHITECTURE.md#the-split). */
const layerFlops = (t: number, H: number) => 24 * t * H * H + 4 * t * t * H;

/**
 * The full model's FLOPs that DeFormer's halves cost per question, as fractions: the question's
 * lower pass k·f(c) (paid once per batch of N) and the upper pass (n−k)·N·f(c+m), over n·N·f(c+m).
 */
export function deformerFlopShares(n: number, k: number, H: number, c: number, m: number, batch = 1) {
  return { question: (k * layerFlops(c, H)) / (n * batch * layerFlops(c + m, H)), upper: (n - k) / n };
}

/** n·N·f(c+m) / (k·f(c) + (n−k)·N·f(c+m)) (ARCHITECTURE.md#the-split). */
export function theoreticalSpeedup(n: number, k: number, H: number, c: number, m: number, batch = 1): number {
  const shares = deformerFlopShares(n, k, H, c, m, batch);
  return 1 / (shares.question + shares.upper);
}

/** A segment of `length` deterministic word-piece ids ending in `end`, starting with `start` if given. */
function segment(length: number, seed: number, start: number | null): Segment {
  const ids = new Int32Array(length);
  for (let t = 0; t < length; t++) ids[t] = 1000 + ((seed * 7919 + t * 104729) % 29000);
  if (start !== null) ids[0] = start;
  ids[length - 1] = SEP;
  return { ids, offsets: Array.from({ length }, () => [-1, -1] as [number, number]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Wall and CPU (all threads) milliseconds of one call. */
async function measure(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/**
 * Alternates the workloads: `warmup` untimed rounds, then `runs` timed ones; medians per workload.
 * CPU time is reported beside wall time: on a shared machine it moves far less with load.
 */
async function alternate<K extends string>(workloads: Record<K, () => Promise<unknown>>, runs: number, warmup = 3) {
  const names = Object.keys(workloads) as K[];
  for (let i = 0; i < warmup; i++) for (const name of names) await workloads[name]();
  const timed = new Map(names.map((name) => [name, [] as Array<{ wall: number; cpu: number }>]));
  for (let i = 0; i < runs; i++) for (const name of names) timed.get(name)!.push(await measure(workloads[name]));
  const medians = {} as Record<K, { wall: number; cpu: number }>;
  for (const name of names) {
    const xs = timed.get(name)!;
    medians[name] = { wall: median(xs.map((r) => r.wall)), cpu: median(xs.map((r) => r.cpu)) };
  }
  return medians;
}

async function ensureCheckpoint(preset: keyof typeof randomCheckpointPresets, workDir: string, log: (l: string) => void): Promise<Checkpoint> {
  const dir = join(workDir, 'checkpoints', preset);
  if (!existsSync(join(dir, 'model.safetensors')) || !existsSync(join(dir, 'config.json'))) {
    log(`making random ${preset} checkpoint in ${dir}`);
    await makeRandomCheckpoint({ ...randomCheckpointPresets[preset], seed: 1, out: dir });
  }
  return loadCheckpoint(dir);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Runs the engine benchmark; `quick` is BERT-base, k = 9, batch 1, 5 runs. */
export async function runEngineBench(opts: {
  quick: boolean;
  workDir: string;
  log: (line: string) => void;
}): Promise<{ rows: EngineBenchRow[]; parts: EnginePartsRow[] }> {
  const { quick, workDir, log } = opts;
  const cacheDir = join(workDir, 'engine-cache');
  const rows: EngineBenchRow[] = [];
  const parts: EnginePartsRow[] = [];
  const presets = quick ? (['bert-base'] as const) : (['bert-base', 'distilbert-base'] as const);
  const question = segment(QUESTION_TOKENS, 1, CLS);
  const passages = Array.from({ length: 10 }, (_, i) => segment(PASSAGE_TOKENS, 100 + i, null));

  for (const preset of presets) {
    const checkpoint = await ensureCheckpoint(preset, workDir, log);
    const { layers: n, hidden: H } = checkpoint.config;
    const plan: Array<{ k: number; batch: number; runs: number }> = quick
      ? [{ k: 9, batch: 1, runs: 5 }]
      : [
          ...Array.from({ length: n + 1 }, (_, k) => ({ k, batch: 1, runs: 30 })),
          // DistilBERT: n = 6 gives k = 3 and 4.
          { k: Math.floor(n / 2), batch: 10, runs: 5 },
          { k: paperK(n), batch: 10, runs: 5 },
        ];
    for (const { k, batch, runs } of plan) {
      const engine = await Engine.fromCheckpoint(checkpoint, { k, cacheDir });
      if (rows.length === 0) log(`provider ${engine.provider.name} (${engine.provider.reason})`);
      const batchPassages = passages.slice(0, batch);
      const cached: LowerStates[] = await engine.lowerPassages(batchPassages);
      const timing = await alternate(
        { full: () => engine.fullPass(question, batchPassages), deformer: () => engine.askPass(question, cached) },
        runs,
      );
      await engine.close();
      const row: EngineBenchRow = {
        model: preset,
        layers: n,
        hidden: H,
        k,
        batch,
        questionTokens: QUESTION_TOKENS,
        passageTokens: PASSAGE_TOKENS,
        fullMs: round(timing.full.wall, 1),
        deformerMs: round(timing.deformer.wall, 1),
        speedup: round(timing.full.wall / timing.deformer.wall, 2),
        theoreticalSpeedup: round(theoreticalSpeedup(n, k, H, QUESTION_TOKENS, PASSAGE_TOKENS, batch), 2),
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      rows.push(row);
      log(
        `${preset} k=${k} batch=${batch}: full ${row.fullMs} ms, deformer ${row.deformerMs} ms, ` +
          `speedup ${row.speedup}x (theory ${row.theoreticalSpeedup}x; CPU time ${round(timing.full.cpu, 0)} / ` +
          `${round(timing.deformer.cpu, 0)} ms = ${round(timing.full.cpu / timing.deformer.cpu, 2)}x), peak RSS ${row.peakRssMb} MB`,
      );
    }
  }
  // After every row: the halves' extra sessions would otherwise raise the later rows' peak RSS.
  for (const preset of presets) {
    const checkpoint = await ensureCheckpoint(preset, workDir, log);
    parts.push(await measureParts({ checkpoint, model: preset, k: paperK(checkpoint.config.layers), runs: quick ? 5 : 30, cacheDir, log }));
  }
  return { rows, parts };
}

/** The EnginePartsRow of `checkpoint` at split k: 27-token question, one 320-token passage. */
export async function measureParts(opts: {
  checkpoint: Checkpoint;
  model: string;
  k: number;
  runs: number;
  cacheDir: string;
  log: (line: string) => void;
}): Promise<EnginePartsRow> {
  const { checkpoint, k } = opts;
  const question = segment(QUESTION_TOKENS, 1, CLS);
  const passage = segment(PASSAGE_TOKENS, 100, null);
  const { layers: n, hidden: H } = checkpoint.config;
  const engine = await Engine.fromCheckpoint(checkpoint, { k, cacheDir: opts.cacheDir });
  const [cached] = await engine.lowerPassages([passage]);
  const questionStates = await engine.lowerQuestion(question);
  const raw = await openRawStack(checkpoint.config, k, QUESTION_TOKENS, PASSAGE_TOKENS, availableParallelism());
  const timing = await alternate(
    {
      full: () => engine.fullPass(question, [passage]),
      deformer: () => engine.askPass(question, [cached]),
      questionLower: () => engine.lowerQuestion(question),
      upper: () => engine.upperPass(questionStates, [cached]),
      rawFull: raw.full,
      rawDeformer: raw.deformer,
    },
    opts.runs,
  );
  await Promise.all([engine.close(), raw.close()]);
  const fullMs = timing.full.wall;
  const shares = deformerFlopShares(n, k, H, QUESTION_TOKENS, PASSAGE_TOKENS);
  const row: EnginePartsRow = {
    model: opts.model,
    layers: n,
    k,
    fullMs: round(fullMs, 1),
    deformerMs: round(timing.deformer.wall, 1),
    questionLowerMs: round(timing.questionLower.wall, 1),
    upperMs: round(timing.upper.wall, 1),
    questionFlopShareMs: round(fullMs * shares.question, 1),
    upperFlopShareMs: round(fullMs * shares.upper, 1),
    rawFullMs: round(timing.rawFull.wall, 1),
    rawDeformerMs: round(timing.rawDeformer.wall, 1),
    rawSpeedup: round(timing.rawFull.wall / timing.rawDeformer.wall, 2),
  };
  opts.log(
    `${opts.model} k=${k} batch=1 halves: question lower pass ${row.questionLowerMs} ms (FLOP share of full ${row.questionFlopShareMs} ms, ` +
      `${round(row.questionLowerMs / row.questionFlopShareMs, 2)}x), upper pass ${row.upperMs} ms (${row.upperFlopShareMs} ms, ` +
      `${round(row.upperMs / row.upperFlopShareMs, 2)}x); one askPass run ${row.deformerMs} ms`,
  );
  opts.log(
    `${opts.model} k=${k} batch=1 raw ORT stack (FLOP-carrying ops only, same rounds): full ${row.rawFullMs} ms, ` +
      `DeFormer ${row.rawDeformerMs} ms, ${row.rawSpeedup}x; the engine ${round(fullMs / timing.deformer.wall, 2)}x`,
  );
  return row;
}
