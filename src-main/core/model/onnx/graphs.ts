/**
 * The three DeFormer graphs for a split point k (0 ≤ k ≤ n):
 *   lower(k): embeddings + layers 1..k over one segment        → states [B,T,H]
 *   upper(k): layers k+1..n + span head over [question; passage] → start/end logits [B,Tq+Tp]
 *   full:     the ordinary model over [CLS] q [SEP] p [SEP]     → start/end logits [B,T]
 * Weights are external (see weight-table.ts); each function returns ModelProto bytes.
 */
import type { ModelConfig } from '../types';
import { ElemType, GraphBuilder } from './graph-builder';
import type { WeightPrecision } from './int8-weights';
import { attentionMask, embeddings, encoderLayer, spanHead } from './layers';
import type { WeightTable } from './weight-table';

/**
 * Which graph; `full` with `hiddenStates` also outputs hidden_states_0..n (debug / golden tests).
 * `upper` with `weights: 'int8'` runs its Linears on int8 weights (lower stays fp32, so cached
 * passage states do not depend on the precision of the reader).
 */
export type GraphKind =
  | { kind: 'lower'; k: number }
  | { kind: 'upper'; k: number; weights?: WeightPrecision }
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
  const typeIds = cfg.arch === 'bert' ? b.input(IO.tokenTypeIds, ElemType.int64, ['batch', 'tokens']) : null;
  const positions = b.input(IO.positionIds, ElemType.int64, ['batch', 'tokens']);
  const mask = b.input(IO.attentionMask, ElemType.int64, ['batch', 'tokens']);
  return { x: embeddings(b, cfg, ids, typeIds, positions), mask: attentionMask(b, mask) };
}

function checkK(cfg: ModelConfig, k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > cfg.layers) throw new RangeError(`split k=${k} outside 0..${cfg.layers}`);
}

/** lower(k): embeddings + layers 1..k over one segment → `states` [B,T,H]. */
export function buildLowerGraph(cfg: ModelConfig, weights: WeightTable, k: number): Uint8Array {
  checkK(cfg, k);
  const b = new GraphBuilder(`lower-k${k}`, weights);
  let { x, mask } = segmentInputs(b, cfg);
  for (let i = 0; i < k; i++) x = encoderLayer(b, cfg, i, x, mask);
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
  const H = cfg.hidden;
  const b = new GraphBuilder(precision === 'int8' ? `upper-k${k}-int8` : `upper-k${k}`, weights);
  const question = b.input(IO.questionStates, ElemType.float, [1, 'question_tokens', H]);
  const passage = b.input(IO.passageStates, ElemType.float, ['batch', 'passage_tokens', H]);
  const mask = b.input(IO.attentionMask, ElemType.int64, ['batch', 'tokens']);
  // Target shape [B, Tq, H]: B from the passages, Tq and H from the question.
  const shapeP = b.node('Shape', [passage]);
  const shapeQ = b.node('Shape', [question]);
  const target = b.node('Concat', [b.node('Slice', [shapeP, b.ints([0]), b.ints([1])]), b.node('Slice', [shapeQ, b.ints([1]), b.ints([3])])], { axis: { i: 0 } });
  const questionB = b.node('Expand', [question, target]); // [B,Tq,H]
  let x = b.node('Concat', [questionB, passage], { axis: { i: 1 } }); // [B,Tq+Tp,H]
  const joint = attentionMask(b, mask);
  for (let i = k; i < cfg.layers; i++) x = encoderLayer(b, cfg, i, x, joint, precision);
  const [start, end] = spanHead(b, x);
  b.output(start, IO.startLogits, ElemType.float, ['batch', 'tokens']);
  b.output(end, IO.endLogits, ElemType.float, ['batch', 'tokens']);
  return b.encode();
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
  if (kind.kind === 'lower') return buildLowerGraph(cfg, weights, kind.k);
  if (kind.kind === 'upper') return buildUpperGraph(cfg, weights, kind.k, kind.weights);
  return buildFullGraph(cfg, weights, { hiddenStates: kind.hiddenStates });
}

/** File name of a graph in the cache folder, e.g. `lower-k9.onnx`, `upper-k9-int8.onnx`. */
export function graphFileName(kind: GraphKind): string {
  if (kind.kind === 'full') return kind.hiddenStates ? 'full-debug.onnx' : 'full.onnx';
  if (kind.kind === 'upper' && kind.weights === 'int8') return `upper-k${kind.k}-int8.onnx`;
  return `${kind.kind}-k${kind.k}.onnx`;
}
