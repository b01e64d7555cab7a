import { CONFIDENT_AT, LIKELY_AT, NO_ANSWER_THRESHOLD } from '../answer/confidence';
import type { SquadDataset } from './squad-data';
import { exactMatchScore, f1Score, maxOverGolds } from './squad-metric';

/**
 * How well the top answer's probability predicts that it is right, on SQuAD questions: per
 * probability band, how many questions fall there and their EM/F1. The words the app shows
 * (answer/confidence.ts) are honest when "confident" answers are right ~9 times in 10 and
 * "likely" ones ~2 in 3; this table is what their bounds are set from.
 */
export interface CalibrationBand {
  from: number;
  to: number;
  questions: number;
  exactMatch: number; // ×100, mean over the band's questions
  f1: number;
}

export interface Calibration {
  /** Tenths of probability: [0, 0.1), …, [0.9, 1]. */
  deciles: CalibrationBand[];
  /** The app's bands: none (hidden), unsure, likely, confident. */
  words: Record<'none' | 'unsure' | 'likely' | 'confident', CalibrationBand>;
}

export function calibrate(dataset: SquadDataset, predictions: Record<string, string>, probabilities: Record<string, number>): Calibration {
  const scored: Array<{ p: number; em: number; f1: number }> = [];
  for (const para of dataset.paragraphs) {
    for (const q of para.questions) {
      const p = probabilities[q.id];
      if (p === undefined) continue;
      const golds = q.answers.map((a) => a.text);
      const prediction = predictions[q.id] ?? '';
      scored.push({ p, em: maxOverGolds(exactMatchScore, prediction, golds), f1: maxOverGolds(f1Score, prediction, golds) });
    }
  }
  const band = (from: number, to: number, last = false): CalibrationBand => {
    const inside = scored.filter((s) => s.p >= from && (s.p < to || (last && s.p <= to)));
    const mean = (f: (s: { em: number; f1: number }) => number) => (inside.length ? (100 * inside.reduce((n, s) => n + f(s), 0)) / inside.length : 0);
    return { from, to, questions: inside.length, exactMatch: mean((s) => s.em), f1: mean((s) => s.f1) };
  };
  return {
    deciles: Array.from({ length: 10 }, (_, i) => band(i / 10, (i + 1) / 10, i === 9)),
    words: {
      none: band(0, NO_ANSWER_THRESHOLD),
      unsure: band(NO_ANSWER_THRESHOLD, LIKELY_AT),
      likely: band(LIKELY_AT, CONFIDENT_AT),
      confident: band(CONFIDENT_AT, 1, true),
    },
  };
}
