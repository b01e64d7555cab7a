import { decodeStates, encodeStates } from '../store/quantize';
import type { LibraryStoreApi, Precision } from '../store/types';
import type { QaEngine, SpanLogits, Tokenizer } from '../model/types';
import { defaultWindows, windowsOf, type WindowSettings } from '../answer/document-write';
import { isDeskError } from '../errors';
import { maxQuestionTokens } from '../answer/question';
import { Reader } from '../answer/reader';
import { decodeSpans } from '../answer/spans';
import type { SquadDataset } from './squad-data';
import { paragraphPath } from './squad-library';
import { latencyStats, scorePredictions, takeQuestions, type LatencyStats } from './squad-scoring';
import type { AnswerMode } from '../answer/types';

/**
 * The SQuAD v1.1 harness. `closed` is the paper's setting: each question reads its own paragraph
 * (cut into W/O windows like any document; best span over the windows). `open` retrieves over all
 * paragraphs of the file with BM25 and reads the top N, exactly as a question to the app does.
 * Latency is per question: question encode + upper (or full) pass + decoding, plus retrieval and
 * cache reads in the open setting. Passage lower passes are the cache's job and are not timed.
 */

/** Closed: the question's own paragraph; open: retrieval over every paragraph. */
export type SquadSetting = 'closed' | 'open';

/** What to evaluate. */
export interface SquadEvalOptions {
  /** The whole dataset: open retrieval searches all of its paragraphs even when `limit` is set. */
  dataset: SquadDataset;
  engine: QaEngine;
  tokenizer: Tokenizer;
  mode: AnswerMode;
  setting: SquadSetting;
  /** The first N questions in file order. */
  limit?: number;
  /** Open setting: passages read per question. */
  topPassages?: number;
  windows?: WindowSettings;
  /** Open setting: the paragraph library (squad-library.ts), already filled. */
  store?: LibraryStoreApi;
  /**
   * Closed setting, deformer mode: the passages' lower states go through this state codec (encoded
   * and decoded, as a cache read returns them) before the upper pass. Default: fp32, i.e. exact.
   */
  precision?: Precision;
  /** Called every `every` questions with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Scores, timings and the answers file. */
export interface SquadEvalResult {
  setting: SquadSetting;
  mode: AnswerMode;
  k: number;
  questions: number;
  exactMatch: number;
  f1: number;
  latencyMs: LatencyStats;
  /** Open setting: share of questions whose own paragraph was among the N read (×100). */
  retrievalRecall?: number;
  /** The official answers file: question id → answer text. */
  predictions: Record<string, string>;
  /** Question id → the top answer's probability (answer/confidence.ts); absent in search-only mode. */
  probabilities: Record<string, number>;
}

/** Runs the harness; see SquadEvalOptions. */
export async function runSquadEval(options: SquadEvalOptions): Promise<SquadEvalResult> {
  const questions = takeQuestions(options.dataset, options.limit);
  const total = questions.paragraphs.reduce((n, p) => n + p.questions.length, 0);
  const predictions: Record<string, string> = {};
  const probabilities: Record<string, number> = {};
  const latencies: number[] = [];
  let found = 0;
  const tick = () => options.onProgress?.(latencies.length, total);

  if (options.setting === 'closed') {
    for (const p of questions.paragraphs) {
      const reading = await readParagraph(options, p.context);
      for (const q of p.questions) {
        const t = performance.now();
        const answer = await reading(q.question);
        predictions[q.id] = answer.text;
        if (answer.probability !== undefined) probabilities[q.id] = answer.probability;
        latencies.push(performance.now() - t);
        tick();
      }
    }
  } else {
    if (!options.store) throw new Error('the open setting needs the paragraph library (options.store)');
    const reader = new Reader({ store: options.store, engine: options.engine, tokenizer: options.tokenizer });
    for (const p of questions.paragraphs) {
      for (const q of p.questions) {
        const t = performance.now();
        try {
          const result = await reader.ask(q.question, { mode: options.mode, topPassages: options.topPassages ?? 10, maxAnswers: 1 });
          predictions[q.id] = result.answers[0]?.text ?? '';
          const probability = result.answers[0]?.probability;
          if (probability !== undefined) probabilities[q.id] = probability;
          if (result.passages.some((h) => h.docPath === paragraphPath(p.id))) found++;
        } catch (err) {
          if (!isDeskError(err, 'QUESTION_EMPTY') && !isDeskError(err, 'QUESTION_TOO_LONG')) throw err;
          predictions[q.id] = ''; // scored as a miss, like a question the model skipped
        }
        latencies.push(performance.now() - t);
        tick();
      }
    }
  }

  const scores = scorePredictions(questions, predictions);
  return {
    setting: options.setting,
    mode: options.mode,
    k: options.engine.k,
    questions: total,
    exactMatch: scores.exactMatch,
    f1: scores.f1,
    latencyMs: latencyStats(latencies),
    ...(options.setting === 'open' ? { retrievalRecall: total ? (100 * found) / total : 0 } : {}),
    predictions,
    probabilities,
  };
}

/**
 * Prepares one paragraph for its questions: windows, and in deformer mode their lower states
 * (computed once per paragraph, like the cache would hold them). Returns question → answer text.
 */
async function readParagraph(options: SquadEvalOptions, context: string): Promise<(question: string) => Promise<{ text: string; probability?: number }>> {
  const { engine, tokenizer, mode } = options;
  const windows = windowsOf(context, tokenizer, options.windows ?? defaultWindows);
  const segments = windows.map((w) => ({ ids: w.ids, offsets: w.offsets }));
  const lowered = mode === 'deformer' && segments.length > 0 ? await engine.lowerPassages(segments) : [];
  const states = lowered.map((s) => (options.precision ? decodeStates(encodeStates(s, options.precision), 'squad') : s));
  return async (question) => {
    if (segments.length === 0) return { text: '' };
    let logits: SpanLogits[];
    if (mode === 'deformer') {
      logits = await engine.askPass(engine.questionSegment(question), states);
    } else {
      logits = await engine.fullPass(tokenizer.questionSegment(question, maxQuestionTokens), segments);
    }
    const [best] = decodeSpans(
      windows.map((w, i) => ({ logits: logits[i], offsets: w.offsets, docKey: 'paragraph' })),
      { maxAnswers: 1 },
    );
    return best ? { text: context.slice(best.charStart, best.charEnd), probability: best.probability } : { text: '' };
  };
}
