/**
 * Feeds for the graphs: padded int64 batches for `lower`/`full`, and the joint
 * [question; passages] feed for `upper`. Padding follows HF: [PAD] = 0, token type 0,
 * mask 0 (position 0 too, so a padded row never indexes past the position table).
 */
import * as ort from 'onnxruntime-node';
import { DeskError } from '../errors';
import { familyOf } from './families/registry';
import { IO } from './onnx/graphs';
import type { LowerStates, ModelConfig } from './types';

/** Raw model inputs of one sequence, i.e. what the embeddings see. */
export interface SequenceInput {
  ids: ArrayLike<number>; // [tokens]
  /** One token type for every token, or one per token ([tokens]). Ignored for DistilBERT. */
  tokenTypes: number | ArrayLike<number>;
  /** Position id of the first token; the others follow (positionStart .. positionStart + T − 1). */
  positionStart: number;
}

/**
 * What one more lower-pass call costs, in padded tokens: a batch is split off only when that
 * saves more padding than this (small batches also run their GEMMs less efficiently).
 */
export const batchCallTokens = 32;

/**
 * Groups sequence indices into batches of at most `maxBatch`, longest first, cutting the
 * length-sorted list where padding is wasted: a dynamic program over cut points minimises
 * Σ (batch size × its longest length) + batchCallTokens per batch. Fixed-size slices put the
 * short last window of a document into a batch of full windows; cutting by cost keeps
 * padding to ~1% of tokens where fixed slices of 16 padded 9–15% (bench corpus).
 */
export function planBatches(lengths: number[], maxBatch: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const n = order.length;
  const cost = new Float64Array(n + 1); // cost[i]: best cost of order[i..n)
  const next = new Int32Array(n); // where the batch starting at i ends
  for (let i = n - 1; i >= 0; i--) {
    cost[i] = Infinity;
    const longest = lengths[order[i]];
    for (let j = i + 1; j <= Math.min(n, i + maxBatch); j++) {
      const c = cost[j] + (j - i) * longest + batchCallTokens;
      if (c <= cost[i]) [cost[i], next[i]] = [c, j]; // ties: the bigger batch
    }
  }
  const batches: number[][] = [];
  for (let i = 0; i < n; i = next[i]) batches.push(order.slice(i, next[i]));
  return batches;
}

/** int64 [B,T] feeds for `lower` / `full` over `batch`, padded to its longest sequence T. */
export function sequenceFeeds(batch: SequenceInput[], config: ModelConfig): { feeds: Record<string, ort.Tensor>; tokens: number } {
  const T = Math.max(...batch.map((s) => s.ids.length));
  const B = batch.length;
  const ids = new BigInt64Array(B * T); // [B,T]
  const types = new BigInt64Array(B * T); // [B,T]
  const positions = new BigInt64Array(B * T); // [B,T]
  const mask = new BigInt64Array(B * T); // [B,T]
  batch.forEach((s, b) => {
    const n = s.ids.length;
    if (n === 0) throw new Error('engine: a segment must have at least one token');
    if (s.positionStart < 0 || s.positionStart + n > config.maxPositions) {
      throw new Error(`engine: positions ${s.positionStart}..${s.positionStart + n - 1} exceed the model's ${config.maxPositions}`);
    }
    const row = b * T;
    for (let t = 0; t < n; t++) {
      ids[row + t] = BigInt(s.ids[t]);
      types[row + t] = BigInt(typeof s.tokenTypes === 'number' ? s.tokenTypes : s.tokenTypes[t]);
      positions[row + t] = BigInt(s.positionStart + t);
      mask[row + t] = 1n;
    }
  });
  const dims = [B, T];
  const feeds: Record<string, ort.Tensor> = {
    [IO.inputIds]: new ort.Tensor('int64', ids, dims),
    [IO.positionIds]: new ort.Tensor('int64', positions, dims),
    [IO.attentionMask]: new ort.Tensor('int64', mask, dims),
  };
  if (familyOf(config.arch).tokenTypes) feeds[IO.tokenTypeIds] = new ort.Tensor('int64', types, dims);
  return { feeds, tokens: T };
}

/** Asserts `states` is a whole [tokens, hidden] block of this model's width (the DeFormer split). */
export function checkStates(states: LowerStates, hidden: number, what: string): void {
  if (states.hidden !== hidden) {
    throw new DeskError(
      'STORE_INCOMPATIBLE',
      `${what} lower states have hidden size ${states.hidden}, but the model's is ${hidden}; they were made by another model.`,
    );
  }
  if (states.tokens < 1 || states.data.length !== states.tokens * states.hidden) {
    throw new DeskError(
      'STORE_CORRUPT',
      `${what} lower states hold ${states.data.length} floats, not tokens × hidden = ${states.tokens} × ${states.hidden}.`,
    );
  }
}

/**
 * Feeds for `upper`: the question once as [1,Tq,H] (the graph broadcasts it), passages as
 * [N,Tp,H] padded to the longest, and the joint mask [N,Tq+Tp]. A single passage is passed
 * without copying its states.
 */
export function upperFeeds(question: LowerStates, passages: LowerStates[], hidden: number): { feeds: Record<string, ort.Tensor>; tokens: number } {
  checkStates(question, hidden, 'Question');
  const { feeds, tokens } = passageFeeds(question.tokens, passages, hidden);
  feeds[IO.questionStates] = new ort.Tensor('float32', question.data, [1, question.tokens, hidden]);
  return { feeds, tokens };
}

/** Feeds for `ask`: the question segment's ids [1,Tq] (type 0, positions from 0) and the passages as for `upper`. */
export function askFeeds(question: SequenceInput, passages: LowerStates[], config: ModelConfig): { feeds: Record<string, ort.Tensor>; tokens: number } {
  const { feeds: segment } = sequenceFeeds([question], config);
  const { feeds, tokens } = passageFeeds(question.ids.length, passages, config.hidden);
  for (const name of [IO.inputIds, IO.tokenTypeIds, IO.positionIds]) if (segment[name]) feeds[name] = segment[name];
  return { feeds, tokens };
}

/** Passage states [N,Tp,H] (padded to the longest) and the joint mask [N,Tq+Tp] behind a Tq-token question. */
function passageFeeds(Tq: number, passages: LowerStates[], hidden: number): { feeds: Record<string, ort.Tensor>; tokens: number } {
  passages.forEach((p, i) => checkStates(p, hidden, `Passage ${i}`));
  const H = hidden;
  const N = passages.length;
  const Tp = Math.max(...passages.map((p) => p.tokens));
  let passageData: Float32Array; // [N,Tp,H]
  if (N === 1) {
    passageData = passages[0].data;
  } else {
    passageData = new Float32Array(N * Tp * H);
    passages.forEach((p, n) => passageData.set(p.data, n * Tp * H));
  }
  const T = Tq + Tp;
  const mask = new BigInt64Array(N * T); // [N,Tq+Tp]
  passages.forEach((p, n) => mask.fill(1n, n * T, n * T + Tq + p.tokens));
  return {
    feeds: {
      [IO.passageStates]: new ort.Tensor('float32', passageData, [N, Tp, H]),
      [IO.attentionMask]: new ort.Tensor('int64', mask, [N, T]),
    },
    tokens: T,
  };
}
