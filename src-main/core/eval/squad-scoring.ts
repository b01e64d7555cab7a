import type { SquadDataset } from './squad-data';
import { evaluate, type SquadScores } from './squad-metric';

/** The dataset cut to its first `limit` questions (file order); paragraphs left without questions are dropped. */
export function takeQuestions(dataset: SquadDataset, limit?: number): SquadDataset {
  if (limit === undefined) return dataset;
  let left = Math.max(0, limit);
  const paragraphs = [];
  for (const p of dataset.paragraphs) {
    if (left === 0) break;
    const questions = p.questions.slice(0, left);
    left -= questions.length;
    if (questions.length > 0) paragraphs.push({ ...p, questions });
  }
  return { ...dataset, paragraphs };
}

/** EM and F1 by the official metric over exactly the questions of `dataset` (cut with takeQuestions). */
export function scorePredictions(dataset: SquadDataset, predictions: Record<string, string>): SquadScores {
  return evaluate(dataset, predictions);
}

/** Latency summary in ms. */
export interface LatencyStats {
  median: number;
  p90: number;
  mean: number;
}

/** Median, 90th percentile (nearest rank) and mean of per-question latencies. */
export function latencyStats(ms: number[]): LatencyStats {
  if (ms.length === 0) return { median: 0, p90: 0, mean: 0 };
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, p90: rank(0.9), mean: ms.reduce((s, x) => s + x, 0) / ms.length };
}
