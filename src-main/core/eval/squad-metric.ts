import type { SquadDataset } from './squad-data';

/**
 * The official SQuAD v1.1 metric (evaluate-v1.1.py), rule for rule. Where JavaScript and Python
 * disagree on a character class the Python meaning is spelled out, so scores match the script's.
 */

/** Python's `string.punctuation`: ASCII punctuation only; “curly” quotes and dashes stay. */
const punctuation = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** `\b(a|an|the)\b` with Python 3's Unicode `\w` (letters, numbers, underscore) as the word characters. */
const articles = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** What Python's `str.split()` treats as white space (JS `\s` differs: it adds U+FEFF, lacks U+0085 and U+001C–U+001F). */
const whiteSpace = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Lower-case, drop ASCII punctuation, drop the words a/an/the, collapse white space. */
export function normalizeAnswer(s: string): string {
  const text = s.toLowerCase().replace(punctuation, '').replace(articles, ' ');
  return splitWhiteSpace(text).join(' ');
}

function splitWhiteSpace(text: string): string[] {
  return text.split(whiteSpace).filter((t) => t.length > 0);
}

/** 1 when the normalised strings are equal, else 0. */
export function exactMatchScore(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** Token F1 over normalised white-space tokens, shared tokens counted as a multiset; 0 when nothing is shared. */
export function f1Score(prediction: string, gold: string): number {
  const predTokens = splitWhiteSpace(normalizeAnswer(prediction));
  const goldTokens = splitWhiteSpace(normalizeAnswer(gold));
  const goldCounts = new Map<string, number>();
  for (const t of goldTokens) goldCounts.set(t, (goldCounts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of predTokens) {
    const left = goldCounts.get(t) ?? 0;
    if (left > 0) {
      shared++;
      goldCounts.set(t, left - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / predTokens.length;
  const recall = shared / goldTokens.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Best score of `prediction` against any of the gold answers. */
export function maxOverGolds(metric: (prediction: string, gold: string) => number, prediction: string, golds: string[]): number {
  let best = 0;
  for (const gold of golds) best = Math.max(best, metric(prediction, gold));
  return best;
}

/** EM and F1 of a run, means over every question of the dataset ×100; a question without a prediction scores 0. */
export interface SquadScores {
  exactMatch: number;
  f1: number;
  total: number;
}

/** Scores predictions (question id → answer text) against a SQuAD v1.1 dataset. */
export function evaluate(dataset: SquadDataset, predictions: Record<string, string>): SquadScores {
  let exactMatch = 0;
  let f1 = 0;
  let total = 0;
  for (const paragraph of dataset.paragraphs) {
    for (const q of paragraph.questions) {
      total++;
      if (!Object.hasOwn(predictions, q.id)) continue;
      const golds = q.answers.map((a) => a.text);
      exactMatch += maxOverGolds(exactMatchScore, predictions[q.id], golds);
      f1 += maxOverGolds(f1Score, predictions[q.id], golds);
    }
  }
  return { exactMatch: total ? (100 * exactMatch) / total : 0, f1: total ? (100 * f1) / total : 0, total };
}
