/**
 * The DeFormer graphs for a split point k (0 ≤ k ≤ n):
 *   lower(k): embeddings + layers 1..k over one segment        → states [B,T,H]
 *   upper(k): layers k+1..n + span head over [question; passage] → start/end logits [B,Tq+Tp]
 *   ask(k):   lower(k) over the question segment, then upper(k) with N cached passages, in ONE
 *             run: what answering a question costs (see buildAskGraph for why it exists)
 *   full:     the ordinary model over [CLS] q [SEP] p [SEP]     → start/end logits [B,T]
 * Weights are external (see weight-table.ts); each function returns ModelProto bytes.
 */
import { familyOf } from '../families/registry';
import type { ModelConfig } from '../types';
import { ElemType, GraphBuilder } from './graph-builder';
import type { WeightPrecision } from './int8-weights';
import { attentionMask, embeddings, encoderLayer, spanHead } from './layers';
import type { WeightTable } from './weight-table';

/**
 * Which graph; `full` with `hiddenStates` also outputs hidden_states_0..n (debug / golden tests).
 * `upper` with `weights: 'int8'` runs its Linears on int8 weights (lower stays fp32, so cached
 * passage states do not depend on the precision of the reader). `lower` with `weights: 'int8'`, and
 * `ask` with `lowerWeights: 'int8'`, run layers 1..k on int8 weights: their states differ from the
 * fp32 ones, so a cache of them has its own identity (store/cache-key.ts).
 */
export type GraphKind =
  | { kind: 'lower'; k: number; weights?: WeightPrecision }
  | { kind: 'upper'; k: number; weights?: WeightPrecision }
  | { kind: 'ask'; k: number; weights?: WeightPrecision; lowerWeights?: WeightPrecision }
  | { kind: 'full'; hiddenStates?: boolean };

/** Graph input/output names, shared with the engine that feeds them. */
export const IO = {
  inputIds: 'input_ids', // [B,T] int64
  tokenTypeIds: 'token_type_ids', // [B,T] int64, BERT only
  positionIds: 'position_ids', // [B,T] int64
  attentionMask: 'attention_mask', // [B,T] int64, 1 = token, 0 = padding
  questionStates: 'question_states', // [1,Tq,H] float32
  passageStates: 'passage_states', // [B,Tp,H] float32
  states: 'states', // [B,T,H] float32
  startLogits: 'start_logits', // [B,T] float32
  endLogits: 'end_logits', // [B,T] float32
  hiddenStates: (j: number) => `hidden_states_${j}`, // [B,T,H]; 0 = embeddings output
} as const;

/** Embedding inputs shared by `lower` and `full`: ids, token types (BERT), positions, mask. */
function segmentInputs(b: GraphBuilder, cfg: ModelConfig) {
  const ids = b.input(IO.inputIds, ElemType.int64, ['batch', 'tokens']);
  const typeIds = familyOf(cfg.arch).tokenTypes ? b.input(IO.tokenTypeIds, ElemType.int64, ['batch', 'tokens']) : null;
  const positions = b.input(IO.positionIds, ElemType.int64, ['batch', 'tokens']);
  const mask = b.input(IO.attentionMask, ElemType.int64, ['batch', 'tokens']);
  return { x: embeddings(b, cfg, ids, typeIds, positions), mask: attentionMask(b, mask) };
}

function checkK(cfg: ModelConfig, k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > cfg.layers) throw new RangeError(`split k=${k} outside 0..${cfg.layers}`);
}

/** lower(k): embeddings + layers 1..k over one segment → `states` [B,T,H]. */
export function buildLowerGraph(cfg: ModelConfig, weights: WeightTable, k: number, precision: WeightPrecision = 'fp32'): Uint8Array {
  checkK(cfg, k);
  const b = new GraphBuilder(precision === 'int8' ? `lower-k${k}-int8` : `lower-k${k}`, weights);
  let { x, mask } = segmentInputs(b, cfg);
  for (let i = 0; i < k; i++) x = encoderLayer(b, cfg, i, x, mask, precision);
  b.output(x, IO.states, ElemType.float, ['batch', 'tokens', cfg.hidden]);
  return b.encode();
}

/**
 * upper(k): layers k+1..n + span head over concat(question, passage) with one joint mask.
 * The question arrives once as [1,Tq,H] and is broadcast to B inside the graph (Expand),
 * so the caller never copies it N times.
 */
export function buildUpperGraph(cfg: ModelConfig, weights: WeightTable, k: number, precision: WeightPrecision = 'fp32'): Uint8Array {
  checkK(cfg, k);
  const b = new GraphBuilder(precision === 'int8' ? `upper-k${k}-int8` : `upper-k${k}`, weights);
  const question = b.input(IO.questionStates, ElemType.float, [1, 'question_tokens', cfg.hidden]);
  const { passage, mask } = upperInputs(b, cfg);
  upperLayers(b, cfg, k, question, passage, attentionMask(b, mask), precision);
  return b.encode();
}

/**
 * ask(k): the question segment `[CLS] q [SEP]` through embeddings + layers 1..k with its own
 * mask, then exactly upper(k) over it and N cached passages. The same nodes as lower(k) then
 * upper(k), so the logits are the same; but one ONNX Runtime run instead of two: no round trip
 * of the question states through JS, and one session's threads stay warm across the whole
 * question (the 27-token lower pass is short enough that waking a second session's pool shows).
 * Inputs: input_ids / token_type_ids / position_ids [1,Tq] of the question, passage_states
 * [B,Tp,H], the joint attention_mask [B,Tq+Tp]; the question's own mask is its first Tq columns.
 */
export function buildAskGraph(
  cfg: ModelConfig, weights: WeightTable, k: number, precision: WeightPrecision = 'fp32', lowerPrecision: WeightPrecision = 'fp32',
): Uint8Array {
  checkK(cfg, k);
  const b = new GraphBuilder(askGraphName(k, precision, lowerPrecision), weights);
  const ids = b.input(IO.inputIds, ElemType.int64, [1, 'question_tokens']);
  const typeIds = familyOf(cfg.arch).tokenTypes ? b.input(IO.tokenTypeIds, ElemType.int64, [1, 'question_tokens']) : null;
  const positions = b.input(IO.positionIds, ElemType.int64, [1, 'question_tokens']);
  const { passage, mask } = upperInputs(b, cfg);
  const joint = attentionMask(b, mask); // [B,Tq+Tp] int32
  const tq = b.node('Slice', [b.node('Shape', [ids]), b.ints([1]), b.ints([2])]); // [Tq]
  const questionMask = b.node('Slice', [joint, b.ints([0, 0]), b.node('Concat', [b.ints([1]), tq], { axis: { i: 0 } }), b.ints([0, 1])]); // [1,Tq]
  let question = embeddings(b, cfg, ids, typeIds, positions);
  // The question's lower layers run at the precision the cached passages were lowered at.
  for (let i = 0; i < k; i++) question = encoderLayer(b, cfg, i, question, questionMask, lowerPrecision);
  upperLayers(b, cfg, k, question, passage, joint, precision);
  return b.encode();
}

/** Inputs shared by `upper` and `ask`: passage states [B,Tp,H] and the joint mask [B,Tq+Tp]. */
function upperInputs(b: GraphBuilder, cfg: ModelConfig) {
  return {
    passage: b.input(IO.passageStates, ElemType.float, ['batch', 'passage_tokens', cfg.hidden]),
    mask: b.input(IO.attentionMask, ElemType.int64, ['batch', 'tokens']),
  };
}

/** Question [1,Tq,H] broadcast to B, joined with the passages, layers k+1..n + span head → logits outputs. */
function upperLayers(b: GraphBuilder, cfg: ModelConfig, k: number, question: string, passage: string, joint: string, precision: WeightPrecision): void {
  // Target shape [B, Tq, H]: B from the passages, Tq and H from the question.
  const shapeP = b.node('Shape', [passage]);
  const shapeQ = b.node('Shape', [question]);
  const target = b.node('Concat', [b.node('Slice', [shapeP, b.ints([0]), b.ints([1])]), b.node('Slice', [shapeQ, b.ints([1]), b.ints([3])])], { axis: { i: 0 } });
  const questionB = b.node('Expand', [question, target]); // [B,Tq,H]
  let x = b.node('Concat', [questionB, passage], { axis: { i: 1 } }); // [B,Tq+Tp,H]
  for (let i = k; i < cfg.layers; i++) x = encoderLayer(b, cfg, i, x, joint, precision);
  const [start, end] = spanHead(b, x);
  b.output(start, IO.startLogits, ElemType.float, ['batch', 'tokens']);
  b.output(end, IO.endLogits, ElemType.float, ['batch', 'tokens']);
}

/** full: the ordinary model → start/end logits; optionally every layer's hidden states. */
export function buildFullGraph(cfg: ModelConfig, weights: WeightTable, options: { hiddenStates?: boolean } = {}): Uint8Array {
  const b = new GraphBuilder(options.hiddenStates ? 'full-debug' : 'full', weights);
  let { x, mask } = segmentInputs(b, cfg);
  const states = [x];
  for (let i = 0; i < cfg.layers; i++) states.push((x = encoderLayer(b, cfg, i, x, mask)));
  const [start, end] = spanHead(b, x);
  b.output(start, IO.startLogits, ElemType.float, ['batch', 'tokens']);
  b.output(end, IO.endLogits, ElemType.float, ['batch', 'tokens']);
  if (options.hiddenStates) {
    states.forEach((s, j) => b.output(s, IO.hiddenStates(j), ElemType.float, ['batch', 'tokens', cfg.hidden]));
  }
  return b.encode();
}

/** Builds the graph for `kind`. */
export function buildGraph(cfg: ModelConfig, weights: WeightTable, kind: GraphKind): Uint8Array {
  if (kind.kind === 'lower') return buildLowerGraph(cfg, weights, kind.k, kind.weights);
  if (kind.kind === 'upper') return buildUpperGraph(cfg, weights, kind.k, kind.weights);
  if (kind.kind === 'ask') return buildAskGraph(cfg, weights, kind.k, kind.weights, kind.lowerWeights);
  return buildFullGraph(cfg, weights, { hiddenStates: kind.hiddenStates });
}

/** File name of a graph in the cache folder, e.g. `lower-k9.onnx`, `upper-k9-int8.onnx`, `ask-k9.onnx`. */
export function graphFileName(kind: GraphKind): string {
  if (kind.kind === 'full') return kind.hiddenStates ? 'full-debug.onnx' : 'full.onnx';
  if (kind.kind === 'ask') return `${askGraphName(kind.k, kind.weights ?? 'fp32', kind.lowerWeights ?? 'fp32')}.onnx`;
  if (kind.weights === 'int8') return `${kind.kind}-k${kind.k}-int8.onnx`;
  return `${kind.kind}-k${kind.k}.onnx`;
}

/** `ask-k9`, `ask-k9-int8` (int8 upper), `ask-k9-int8-lowerint8` (int8 lower and upper). */
function askGraphName(k: number, upper: WeightPrecision, lower: WeightPrecision): string {
  return `ask-k${k}${upper === 'int8' ? '-int8' : ''}${lower === 'int8' ? '-lowerint8' : ''}`;
}

/** Whether a graph reads the int8 weight copies (weights-int8.bin). */
export function usesInt8Weights(kind: GraphKind): boolean {
  if (kind.kind === 'full') return false;
  return kind.weights === 'int8' || (kind.kind === 'ask' && kind.lowerWeights === 'int8');
}
