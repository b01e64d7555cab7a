/**
 * The transformer pieces as ONNX nodes, in HF transformers 4.31's math: embeddings + LayerNorm,
 * post-LayerNorm encoder layers (scores / sqrt(head_dim), padding keys masked out, exact erf GELU),
 * and the span head. Shapes: B = batch, T = tokens, H = hidden, nh = heads, dh = H / nh.
 */
import type { ModelConfig } from '../types';
import { ElemType, type GraphBuilder } from './graph-builder';
import { W } from './weight-table';

/** `x` [B,T,in] · w [in,out] + b → [B,T,out]. */
function linear(b: GraphBuilder, x: string, w: string, bias: string): string {
  return b.node('Add', [b.node('MatMul', [x, b.weight(w)]), b.weight(bias)]);
}

function layerNorm(b: GraphBuilder, x: string, scale: string, bias: string, eps: number): string {
  return b.node('LayerNormalization', [x, b.weight(scale), b.weight(bias)], { axis: { i: -1 }, epsilon: { f: eps } });
}

function activation(b: GraphBuilder, x: string, kind: ModelConfig['activation']): string {
  if (kind === 'relu') return b.node('Relu', [x]);
  if (kind === 'gelu_new') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = b.node('Mul', [b.node('Mul', [x, x]), x]);
    const inner = b.node('Mul', [b.node('Add', [x, b.node('Mul', [cube, b.scalar(0.044715)])]), b.scalar(Math.sqrt(2 / Math.PI))]);
    const t = b.node('Add', [b.node('Tanh', [inner]), b.scalar(1)]);
    return b.node('Mul', [b.node('Mul', [x, t]), b.scalar(0.5)]);
  }
  // Exact GELU, x·½·(1 + erf(x/√2)): the pattern ORT's GeluFusion turns into one Gelu kernel.
  const erf = b.node('Erf', [b.node('Div', [x, b.scalar(Math.SQRT2)])]);
  return b.node('Mul', [b.node('Mul', [x, b.node('Add', [erf, b.scalar(1)])]), b.scalar(0.5)]);
}

/**
 * Embeddings: word + position (+ token type) then LayerNorm → [B,T,H].
 * `typeIds` is null for DistilBERT, which has no token-type table.
 */
export function embeddings(b: GraphBuilder, cfg: ModelConfig, ids: string, typeIds: string | null, positions: string): string {
  let x = b.node('Add', [b.node('Gather', [b.weight(W.word), ids]), b.node('Gather', [b.weight(W.position), positions])]);
  if (typeIds && cfg.arch === 'bert') x = b.node('Add', [x, b.node('Gather', [b.weight(W.tokenType), typeIds])]);
  return layerNorm(b, x, W.embScale, W.embBias, cfg.layerNormEps);
}

/** attention_mask [B,T] (1 = token, 0 = padding, int64) → the int32 [B,T] mask Attention takes. */
export function attentionMask(b: GraphBuilder, mask: string): string {
  return b.node('Cast', [mask], { to: { i: ElemType.int32 } });
}

/**
 * Multi-head self-attention over x [B,T,H] → context [B,T,H], as ORT's fused contrib op
 * `com.microsoft.Attention` (one packed Q/K/V GEMM, softmax(Q·Kᵀ/√dh + mask)·V per head).
 * Why not plain ops: ORT 1.30's AttentionFusion does not recognise a fused-QKV Split pattern,
 * and the unfused graph ran the 27-token question lower pass ~3x slower. The op adds
 * mask_filter_value (-10000) to padding keys; HF adds finfo(float32).min. Both give exactly 0
 * after softmax in float32, so padded batches match HF at every valid position.
 */
function selfAttention(b: GraphBuilder, cfg: ModelConfig, i: number, x: string, mask: string): string {
  const inputs = [x, b.weight(W.layer(i, 'qkv.w')), b.weight(W.layer(i, 'qkv.b')), mask];
  return b.node('Attention', inputs, { num_heads: { i: cfg.heads } }, { domain: 'com.microsoft' });
}

/**
 * Encoder layer i (0-based): post-LayerNorm attention block, then post-LayerNorm FFN → [B,T,H].
 * ORT fuses each Add + LayerNormalization into SkipLayerNormalization and MatMul-bias + GELU
 * into BiasGelu (checked on the optimised model).
 */
export function encoderLayer(b: GraphBuilder, cfg: ModelConfig, i: number, x: string, mask: string): string {
  const eps = cfg.layerNormEps;
  const attn = linear(b, selfAttention(b, cfg, i, x, mask), W.layer(i, 'attn_out.w'), W.layer(i, 'attn_out.b'));
  const h = layerNorm(b, b.node('Add', [attn, x]), W.layer(i, 'attn_ln.scale'), W.layer(i, 'attn_ln.bias'), eps);
  const inner = activation(b, linear(b, h, W.layer(i, 'ffn_in.w'), W.layer(i, 'ffn_in.b')), cfg.activation); // [B,T,I]
  const ffn = linear(b, inner, W.layer(i, 'ffn_out.w'), W.layer(i, 'ffn_out.b'));
  return layerNorm(b, b.node('Add', [ffn, h]), W.layer(i, 'out_ln.scale'), W.layer(i, 'out_ln.bias'), eps);
}

/** qa_outputs Linear H→2 over x [B,T,H] → start, end logits [B,T]. */
export function spanHead(b: GraphBuilder, x: string): [string, string] {
  const logits = linear(b, x, W.headW, W.headB); // [B,T,2]
  const [start, end] = b.nodeN('Split', [logits, b.ints([1, 1])], 2, { axis: { i: 2 } }); // 2 × [B,T,1]
  return [b.node('Squeeze', [start, b.ints([2])]), b.node('Squeeze', [end, b.ints([2])])];
}
