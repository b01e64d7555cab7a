/**
 * The transformer pieces as ONNX nodes, in HF transformers 4.31's math: embeddings + LayerNorm,
 * post-LayerNorm encoder layers (scores / sqrt(head_dim), padding keys masked out, exact erf GELU),
 * and the span head. Shapes: B = batch, T = tokens, H = hidden, nh = heads, dh = H / nh.
 */
import { familyOf } from '../families/registry';
import type { ModelConfig } from '../types';
import { ElemType, type GraphBuilder } from './graph-builder';
import { Q, type WeightPrecision } from './int8-weights';
import { W } from './weight-table';

/**
 * `x` [B,T,in] · w [in,out] + b → [B,T,out]. With int8 weights one DynamicQuantizeMatMul does it:
 * x is quantised to uint8 per call, w is int8 with per-column scales, the bias is added in fp32.
 */
function linear(b: GraphBuilder, x: string, w: string, bias: string, precision: WeightPrecision = 'fp32'): string {
  if (precision === 'int8') {
    const inputs = [x, b.weight(Q.values(w)), b.weight(Q.scales(w)), '', b.weight(bias)]; // '' = no zero point
    return b.node('DynamicQuantizeMatMul', inputs, {}, { domain: 'com.microsoft' });
  }
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
  if (typeIds && familyOf(cfg.arch).tokenTypes) x = b.node('Add', [x, b.node('Gather', [b.weight(W.tokenType), typeIds])]);
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
 * With int8 weights the same op comes as `QAttention`: x is quantised per call
 * (DynamicQuantizeLinear: uint8, one scale + zero point), the packed QKV weight is int8 with
 * per-column scales [3H]; scores, softmax and ·V stay fp32 inside the op.
 */
function selfAttention(b: GraphBuilder, cfg: ModelConfig, i: number, x: string, mask: string, precision: WeightPrecision): string {
  const w = W.layer(i, 'qkv.w');
  const heads = { num_heads: { i: cfg.heads } };
  if (precision === 'int8') {
    const [xq, xScale, xZero] = b.nodeN('DynamicQuantizeLinear', [x], 3); // [B,T,H] uint8, scalar, scalar
    const inputs = [xq, b.weight(Q.values(w)), b.weight(W.layer(i, 'qkv.b')), xScale, b.weight(Q.scales(w)), mask, xZero];
    return b.node('QAttention', inputs, heads, { domain: 'com.microsoft' });
  }
  return b.node('Attention', [x, b.weight(w), b.weight(W.layer(i, 'qkv.b')), mask], heads, { domain: 'com.microsoft' });
}

/**
 * Encoder layer i (0-based): post-LayerNorm attention block, then post-LayerNorm FFN → [B,T,H].
 * ORT fuses each Add + LayerNormalization into SkipLayerNormalization and MatMul-bias + GELU
 * into BiasGelu (checked on the optimised model). `int8` runs all four weight GEMMs (QKV,
 * attention output, FFN in/out) on int8 weights; LayerNorms, GELU and softmax stay fp32.
 */
export function encoderLayer(b: GraphBuilder, cfg: ModelConfig, i: number, x: string, mask: string, precision: WeightPrecision = 'fp32'): string {
  const eps = cfg.layerNormEps;
  const attn = linear(b, selfAttention(b, cfg, i, x, mask, precision), W.layer(i, 'attn_out.w'), W.layer(i, 'attn_out.b'), precision);
  const h = layerNorm(b, b.node('Add', [attn, x]), W.layer(i, 'attn_ln.scale'), W.layer(i, 'attn_ln.bias'), eps);
  const inner = activation(b, linear(b, h, W.layer(i, 'ffn_in.w'), W.layer(i, 'ffn_in.b'), precision), cfg.activation); // [B,T,I]
  const ffn = linear(b, inner, W.layer(i, 'ffn_out.w'), W.layer(i, 'ffn_out.b'), precision);
  return layerNorm(b, b.node('Add', [ffn, h]), W.layer(i, 'out_ln.scale'), W.layer(i, 'out_ln.bias'), eps);
}

/** qa_outputs Linear H→2 over x [B,T,H] → start, end logits [B,T]. */
export function spanHead(b: GraphBuilder, x: string): [string, string] {
  const logits = linear(b, x, W.headW, W.headB); // [B,T,2]
  const [start, end] = b.nodeN('Split', [logits, b.ints([1, 1])], 2, { axis: { i: 2 } }); // 2 × [B,T,1]
  return [b.node('Squeeze', [start, b.ints([2])]), b.node('Squeeze', [end, b.ints([2])])];
}
