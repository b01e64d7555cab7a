/**
 * How sure the reader is of an answer, and when it has none.
 *
 * An answer's probability is a softmax over the start + end logits of EVERY candidate span of
 * every passage read for the question (spans.ts), with the mass of the spans that overlap a kept
 * answer in the same document added to it: "0.8" means the model puts 80% of its span mass, among
 * everything it read, on this answer or a variant of it ("1887" and "in 1887" are one answer).
 * Unlike the per-span score it does not shrink because a span boundary is uncertain.
 *
 * The bounds are calibrated on the 1,390 held-out SQuAD questions with the built-in model
 * (models/train/results/minilm-eval.json, `calibration`; README "Confidence"). Its top answers are
 * right (EM / F1) 58% / 70 at p ≥ 0.9, 27–36% / 37–51 at 0.6–0.9 and 13–20% / 21–29 below 0.6
 * when it reads the question's own paragraph; over retrieved passages (open setting) almost all
 * its answers fall below 0.3, where they are right 3–6% of the time (F1 8). So: below 0.3 nothing
 * is shown as an answer, "confident" needs 0.9, "likely" 0.6. A better model moves answers up the
 * bands; re-run `npm run eval:recipe` and revisit these when the built-in model changes.
 */

/** Below this probability an answer is not shown as one: "No confident answer — the closest passages". */
export const NO_ANSWER_THRESHOLD = 0.3;
/** At or above: "confident". */
export const CONFIDENT_AT = 0.9;
/** At or above (and below CONFIDENT_AT): "likely"; between NO_ANSWER_THRESHOLD and this: "unsure". */
export const LIKELY_AT = 0.6;

/** The word for a probability; `none` below the no-answer threshold. */
export type Confidence = 'confident' | 'likely' | 'unsure' | 'none';

export function confidenceOf(probability: number): Confidence {
  if (probability >= CONFIDENT_AT) return 'confident';
  if (probability >= LIKELY_AT) return 'likely';
  if (probability >= NO_ANSWER_THRESHOLD) return 'unsure';
  return 'none';
}

/**
 * Probabilities of kept spans: softmax over all candidates' logits, each candidate's mass going to
 * the best kept span it overlaps (`owner(i)`: its index in kept, or -1 when it overlaps none).
 */
export function keptProbabilities(logits: readonly number[], owner: (candidate: number) => number, kept: number): number[] {
  const out = new Array<number>(kept).fill(0);
  if (logits.length === 0) return out;
  const max = Math.max(...logits);
  let total = 0;
  const mass = logits.map((l) => Math.exp(l - max));
  for (const m of mass) total += m;
  mass.forEach((m, i) => {
    const k = owner(i);
    if (k >= 0) out[k] += m / total;
  });
  return out.map((p) => Math.min(1, p));
}

/**
 * BM25 scores → relevance in [0, 1] for the bar: each score over the best of the question. BM25
 * has no absolute scale (it grows with the question's length and the words' rarity), so the bar
 * says how a passage compares with the best match, not how good the best match is.
 */
export function relevanceOf(scores: readonly number[]): number[] {
  const best = Math.max(0, ...scores);
  return scores.map((s) => (best > 0 ? Math.max(0, Math.min(1, s / best)) : 0));
}
