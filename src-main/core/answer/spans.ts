import type { SpanLogits } from '../model/types';
import { keptProbabilities } from './confidence';

/**
 * Span decoding over the upper pass's logits for N passages of one question.
 *
 * The score. Every passage was read with the same question by the same model, so the raw
 * start/end logits of different passages are on one scale. We normalise them JOINTLY: one
 * softmax over the start logits of every candidate position (passage tokens only) of all N
 * passages, one over the end logits, and a span's score is
 *
 *     score(i, j) = P_start(i) · P_end(j) = exp(s_i + e_j − logZ_start − logZ_end)
 *
 * ("shared normalisation", Clark & Gardner 2018). Because both normalisers are shared, ranking by
 * score is ranking by the logit sum s_i + e_j, across passages and documents. The score is a
 * probability in (0, 1] that sums to at most 1 over all spans of the passages read: "0.6" means
 * the model puts 60% of its start and end mass on this span among everything it read for the
 * question (reading more passages can only spread that mass). A per-passage softmax (what Hugging
 * Face's pipeline does per chunk) is NOT comparable: it gives a passage without any answer a
 * confident span. The BM25 score is deliberately left out: it ranks which passages are read, the
 * reader ranks spans; mixing the two would need a weight tuned on data we have no trained model
 * to tune it with, and would make the number harder to read.
 */

/** One passage's logits and where its passage-segment tokens lie in its document. */
export interface PassageLogits {
  logits: SpanLogits;
  /** Char span of each `p [SEP]` token in the document's text; specials are [-1, -1]. */
  offsets: ArrayLike<readonly [number, number]>;
  /** Passages with the same key come from one document: overlapping answers among them are merged. */
  docKey: string;
}

/** A decoded span, located in its passage and its document. */
export interface SpanCandidate {
  /** Index of the passage in the decoder's input. */
  passage: number;
  /** First and last token of the span, inclusive, as indices into the passage segment. */
  startToken: number;
  endToken: number;
  /** Char span in the document's text: [charStart, charEnd). */
  charStart: number;
  charEnd: number;
  /** Joint probability as defined above. */
  score: number;
  /** start + end logit: the ranking key, kept for tests and debugging. */
  logit: number;
  /** Share of all candidate spans' softmax mass on this span and the spans overlapping it (confidence.ts). */
  probability: number;
}

/** Decoder knobs; defaults follow ARCHITECTURE.md#data-flow and Hugging Face's QA pipeline. */
export interface DecodeOptions {
  maxAnswers?: number;
  /** Longest answer in tokens (start and end inclusive). */
  maxAnswerTokens?: number;
  /** Start and end candidates kept per passage before pairing (top-k × top-k pairs). */
  topK?: number;
}

/** Best answer spans across all passages, best first, at most one per overlapping region of a document. */
export function decodeSpans(passages: PassageLogits[], options: DecodeOptions = {}): SpanCandidate[] {
  const maxAnswers = options.maxAnswers ?? 5;
  const maxTokens = options.maxAnswerTokens ?? 30;
  const topK = options.topK ?? 20;
  const positions = passages.map(candidatePositions);
  const logZStart = logSumExp(passages, positions, 'start');
  const logZEnd = logSumExp(passages, positions, 'end');

  const candidates: SpanCandidate[] = [];
  passages.forEach((p, passage) => {
    const q = p.logits.questionTokens;
    const { start, end } = p.logits;
    const starts = topPositions(positions[passage], (i) => start[q + i], topK);
    const ends = topPositions(positions[passage], (i) => end[q + i], topK);
    for (const s of starts) {
      for (const e of ends) {
        if (e < s || e - s + 1 > maxTokens) continue;
        const charStart = p.offsets[s][0];
        const charEnd = p.offsets[e][1];
        if (charEnd <= charStart) continue;
        const logit = start[q + s] + end[q + e];
        const score = Math.exp(logit - logZStart - logZEnd);
        candidates.push({ passage, startToken: s, endToken: e, charStart, charEnd, score, logit, probability: 0 });
      }
    }
  });

  candidates.sort((a, b) => b.logit - a.logit);
  const overlaps = (k: SpanCandidate, c: SpanCandidate) =>
    passages[k.passage].docKey === passages[c.passage].docKey && k.charStart < c.charEnd && c.charStart < k.charEnd;
  const kept: SpanCandidate[] = [];
  for (const c of candidates) {
    if (kept.length >= maxAnswers) break;
    if (!kept.some((k) => overlaps(k, c))) kept.push(c);
  }
  const probabilities = keptProbabilities(
    candidates.map((c) => c.logit),
    (i) => kept.findIndex((k) => overlaps(k, candidates[i])),
    kept.length,
  );
  kept.forEach((k, i) => (k.probability = probabilities[i]));
  return kept;
}

/** Passage-segment indices that may hold an answer: real text tokens, never [SEP] or padding. */
function candidatePositions(p: PassageLogits): number[] {
  const { logits, offsets } = p;
  const total = logits.questionTokens + offsets.length;
  if (logits.start.length !== total || logits.end.length !== total) {
    throw new Error(
      `span logits cover ${logits.start.length}/${logits.end.length} tokens, expected ${logits.questionTokens} question + ${offsets.length} passage`,
    );
  }
  const out: number[] = [];
  for (let i = 0; i < offsets.length; i++) if (offsets[i][0] >= 0 && offsets[i][1] >= 0) out.push(i);
  return out;
}

/** The k positions with the highest value, best first. */
function topPositions(positions: number[], value: (i: number) => number, k: number): number[] {
  return [...positions].sort((a, b) => value(b) - value(a)).slice(0, k);
}

/** log Σ exp(logit) over the candidate positions of every passage (numerically stable). */
function logSumExp(passages: PassageLogits[], positions: number[][], side: 'start' | 'end'): number {
  let max = -Infinity;
  passages.forEach((p, n) => {
    for (const i of positions[n]) max = Math.max(max, p.logits[side][p.logits.questionTokens + i]);
  });
  if (max === -Infinity) return 0;
  let sum = 0;
  passages.forEach((p, n) => {
    for (const i of positions[n]) sum += Math.exp(p.logits[side][p.logits.questionTokens + i] - max);
  });
  return max + Math.log(sum);
}
