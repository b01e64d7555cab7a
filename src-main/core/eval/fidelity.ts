/**
 * Fidelity of the stored cache precisions: how far span logits move when passage lower states
 * go through the store's encoding (fp16, or int8 with one fp32 scale per token) instead of
 * staying fp32, and how often that changes the answer the reader would give.
 *
 * Definitions (per question q joined with the passage windows of its paragraph, one upper-pass
 * batch, as the reader runs it):
 *   - logits compared: start and end logits at the passage-segment positions `p [SEP]` of each
 *     (question, passage) pair; the question's own positions are never decoded, so they are left out.
 *   - absolute error of a pair: max |l − l_fp32| over those start and end logits.
 *   - relative error of a pair: that absolute error / max |l_fp32| over the same logits.
 *   - maxAbs / maxRel: the maximum over all pairs; meanAbs: the mean |l − l_fp32| over every compared logit.
 *   - best span changed: the reader's top span (decodeSpans over all the question's passages:
 *     passage, start token, end token) differs from the one decoded from the fp32 logits.
 */
import type { LowerStates, QaEngine, Segment, SpanLogits, Tokenizer } from '../model/types';
import { decodeStates, encodeStates } from '../store/quantize';
import type { Precision } from '../store/types';
import { cutPassages, type PassageOptions } from '../text/passages';
import { decodeSpans } from '../answer/spans';
import type { SquadDataset } from './squad-data';

/** One question and the passage windows `p [SEP]` of its paragraph (offsets into the paragraph). */
export interface FidelityCase {
  question: string;
  passages: Segment[];
}

/** Lower states as they come back after a trip through some storage format. */
export type StatesRoundTrip = (states: LowerStates) => LowerStates;

/** How one storage variant compares with fp32 over a set of cases. */
export interface FidelityStats {
  questions: number;
  /** (question, passage) pairs compared. */
  pairs: number;
  maxAbsLogitError: number;
  maxRelLogitError: number;
  meanAbsLogitError: number;
  bestSpanChanged: number;
  /** 100 · bestSpanChanged / questions. */
  bestSpanChangedPct: number;
}

/** The store's own path for `precision`: encodeStates → bytes → decodeStates. */
export function storedRoundTrip(precision: Precision): StatesRoundTrip {
  return (states) => {
    const { data, tokens, hidden } = decodeStates(encodeStates(states, precision), 'fidelity');
    return { data, tokens, hidden };
  };
}

/**
 * `count` SQuAD questions, one per paragraph, taken at an even stride across the file so many
 * articles are covered; each paragraph is cut into windows as the indexer cuts documents.
 */
export function squadFidelityCases(data: SquadDataset, tokenizer: Tokenizer, count: number, windows: PassageOptions): FidelityCase[] {
  const withQuestions = data.paragraphs.filter((p) => p.questions.length > 0);
  const stride = Math.max(1, Math.floor(withQuestions.length / count));
  const cases: FidelityCase[] = [];
  for (let i = 0; i < withQuestions.length && cases.length < count; i += stride) {
    const paragraph = withQuestions[i];
    const passages = cutPassages({ text: paragraph.context }, tokenizer, windows).map((w) => ({ ids: w.ids, offsets: w.offsets }));
    cases.push({ question: paragraph.questions[0].question, passages });
  }
  return cases;
}

/**
 * Runs every case once with the fp32 states the lower pass produced and once per variant (same
 * question states, same batch), and compares each variant's logits and best span with fp32.
 * `alterStates` changes the fp32 states before anything runs (tests plant an outlier token with it).
 */
export async function measureFidelity(
  engine: QaEngine,
  cases: FidelityCase[],
  variants: Record<string, StatesRoundTrip>,
  options: { alterStates?: StatesRoundTrip } = {},
): Promise<Record<string, FidelityStats>> {
  const acc = Object.fromEntries(Object.keys(variants).map((name) => [name, new Accumulator()]));
  const alter = options.alterStates ?? ((s: LowerStates) => s);
  for (const c of cases) {
    const question = await engine.encodeQuestion(c.question);
    const states = (await engine.lowerPassages(c.passages)).map(alter); // N × [tokens, hidden]
    const reference = await engine.upperPass(question.lowerStates, states);
    const referenceSpan = bestSpanKey(reference, c.passages);
    for (const [name, roundTrip] of Object.entries(variants)) {
      const logits = await engine.upperPass(question.lowerStates, states.map(roundTrip));
      acc[name].add(reference, logits, referenceSpan !== bestSpanKey(logits, c.passages));
    }
  }
  return Object.fromEntries(Object.entries(acc).map(([name, a]) => [name, a.stats()]));
}

/** Errors of one (question, passage) pair over its passage-segment positions, as defined above. */
export function pairLogitError(reference: SpanLogits, got: SpanLogits): { maxAbs: number; maxRef: number; sumAbs: number; count: number } {
  if (reference.start.length !== got.start.length || reference.questionTokens !== got.questionTokens) {
    throw new Error(`logits over ${got.start.length} tokens compared with ${reference.start.length}`);
  }
  let maxAbs = 0;
  let maxRef = 0;
  let sumAbs = 0;
  for (const side of ['start', 'end'] as const) {
    for (let i = reference.questionTokens; i < reference[side].length; i++) {
      const d = Math.abs(got[side][i] - reference[side][i]);
      maxAbs = Math.max(maxAbs, d);
      maxRef = Math.max(maxRef, Math.abs(reference[side][i]));
      sumAbs += d;
    }
  }
  return { maxAbs, maxRef, sumAbs, count: 2 * (reference.start.length - reference.questionTokens) };
}

/** The reader's top span over one question's passages as `passage:start:end`, or 'none'. */
export function bestSpanKey(logits: SpanLogits[], passages: Segment[]): string {
  const [best] = decodeSpans(
    logits.map((l, i) => ({ logits: l, offsets: passages[i].offsets, docKey: 'paragraph' })),
    { maxAnswers: 1 },
  );
  return best ? `${best.passage}:${best.startToken}:${best.endToken}` : 'none';
}

class Accumulator {
  private questions = 0;
  private pairs = 0;
  private maxAbs = 0;
  private maxRel = 0;
  private sumAbs = 0;
  private count = 0;
  private changed = 0;

  add(reference: SpanLogits[], got: SpanLogits[], spanChanged: boolean): void {
    this.questions++;
    if (spanChanged) this.changed++;
    reference.forEach((ref, i) => {
      const e = pairLogitError(ref, got[i]);
      this.pairs++;
      this.maxAbs = Math.max(this.maxAbs, e.maxAbs);
      // A pair whose fp32 logits are all zero has no scale: any change is a total one.
      this.maxRel = Math.max(this.maxRel, e.maxRef > 0 ? e.maxAbs / e.maxRef : e.maxAbs > 0 ? Infinity : 0);
      this.sumAbs += e.sumAbs;
      this.count += e.count;
    });
  }

  stats(): FidelityStats {
    return {
      questions: this.questions,
      pairs: this.pairs,
      maxAbsLogitError: this.maxAbs,
      maxRelLogitError: this.maxRel,
      meanAbsLogitError: this.count > 0 ? this.sumAbs / this.count : 0,
      bestSpanChanged: this.changed,
      bestSpanChangedPct: this.questions > 0 ? (100 * this.changed) / this.questions : 0,
    };
  }
}
