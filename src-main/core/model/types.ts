/**
 * The engine's vocabulary. Shapes are written beside every array: [tokens, hidden] is row-major.
 * A "segment" is one side of the DeFormer split: the question segment `[CLS] q [SEP]`
 * (token type 0, positions from 0) or the passage segment `p [SEP]` (token type 1,
 * positions from the model's passage offset P).
 */

/** Architecture-neutral hyper-parameters read from config.json. */
export interface ModelConfig {
  /** The model family (families/registry.ts): 'bert' (BERT, MiniLM, ...), 'distilbert', or one registered later. */
  arch: string;
  /** n: number of transformer layers. */
  layers: number;
  /** H: hidden width. */
  hidden: number;
  heads: number;
  /** FFN inner width. */
  intermediate: number;
  vocabSize: number;
  maxPositions: number;
  /** 0 for DistilBERT. */
  typeVocabSize: number;
  layerNormEps: number;
  /** 'gelu' (exact, erf) is what BERT/DistilBERT QA checkpoints use. */
  activation: 'gelu' | 'gelu_new' | 'relu';
  /** The split the weights were fine-tuned for (config.json `deformer`); absent on stock checkpoints. */
  deformer?: DeformerSplit;
}

/** config.json's `deformer` block, written by the training recipe (models/train). */
export interface DeformerSplit {
  /** The k the weights were trained for: the model's default k. */
  k: number;
  /** P, the passage segment's first position id. */
  passageOffset: number;
  /** Every k this checkpoint was trained at (today always [k]). */
  trainedK: number[];
}

/** A tensor as read from safetensors, widened to float32. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** A loaded checkpoint folder: settings, read-only weights, and a fingerprint of the weights. */
export interface Checkpoint {
  dir: string;
  config: ModelConfig;
  /** Weights by their Hugging Face names (e.g. `bert.encoder.layer.0.attention.self.query.weight`). */
  weights: Map<string, WeightTensor>;
  /** sha256 over config.json and model.safetensors bytes: keys graph and state caches. */
  fingerprint: string;
}

/** Token ids of one segment, with char offsets into the text it came from ([-1,-1] for specials). */
export interface Segment {
  ids: Int32Array; // [tokens]
  /** Char span [start, end) of each token in the source text; specials are [-1, -1]. */
  offsets: Array<[number, number]>;
}

/** Output of the lower pass for one segment: states after layer k. */
export interface LowerStates {
  data: Float32Array; // [tokens, hidden]
  tokens: number;
  hidden: number;
}

/** Start/end logits over the joint sequence [question tokens; passage tokens]. */
export interface SpanLogits {
  start: Float32Array; // [questionTokens + passageTokens]
  end: Float32Array; // [questionTokens + passageTokens]
  questionTokens: number;
}

/** Execution providers the engine may ask ONNX Runtime for; `auto` tries GPUs first. */
export type ProviderName = 'auto' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

/** Options for opening an engine over a checkpoint folder. */
export interface EngineOptions {
  /** Split point: lower layers 1..k run per segment, upper layers k+1..n jointly. 0 ≤ k ≤ n. */
  k: number;
  /** Position id of the first passage token (ARCHITECTURE.md#the-split: P, 0 in the authors' code). */
  passageOffset?: number;
  provider?: ProviderName;
  /** Where built ONNX graphs are cached (keyed by fingerprint and k). */
  cacheDir: string;
  /** Intra-op threads; defaults to the machine's cores. */
  threads?: number;
}

/** A question ready for the upper pass: its segment and its lower states (computed once). */
export interface EncodedQuestion {
  text: string;
  segment: Segment; // [CLS] q [SEP]
  lowerStates: LowerStates; // [questionTokens, hidden]
}

/**
 * The engine the indexer and the reader call. One instance per (checkpoint, k, P, provider).
 * Implemented by `Engine` in model/engine.ts.
 */
export interface QaEngine {
  readonly config: ModelConfig;
  readonly fingerprint: string;
  readonly k: number;
  readonly passageOffset: number;
  /** Weights of the lower layers; int8 lower states are another cache (CacheIdentity.lowerWeights). Absent = fp32. */
  readonly lowerWeights?: 'fp32' | 'int8';
  /** The provider ONNX Runtime actually runs on, and why (e.g. fallback reason). */
  readonly provider: { name: ProviderName; reason: string };
  /** Lower pass over passage segments (`p [SEP]`), batched and padded; one LowerStates per input, in order. */
  lowerPassages(segments: Segment[]): Promise<LowerStates[]>;
  /** Tokenizes `[CLS] q [SEP]`, truncated to maxQuestionTokens; refuses an empty question. */
  questionSegment(text: string): Segment;
  /** questionSegment, then its lower pass once. */
  encodeQuestion(text: string): Promise<EncodedQuestion>;
  /** Upper pass of one question joined with N passages' lower states, in one batch; logits per passage. */
  upperPass(question: LowerStates, passages: LowerStates[]): Promise<SpanLogits[]>;
  /**
   * The question's lower pass and the upper pass over N cached passages in one run (graph
   * `ask(k)`): the same logits as upperPass(lower states of `question`, passages), faster.
   */
  askPass(question: Segment, passages: LowerStates[]): Promise<SpanLogits[]>;
  /** The ordinary model over [CLS] q [SEP] p [SEP] (mode `full`); logits per passage. */
  fullPass(question: Segment, passages: Segment[]): Promise<SpanLogits[]>;
  close(): Promise<void>;
}

/** The part of an engine an indexer needs (Engine, or model/thread/engine-thread.ts running one in a thread). */
export type LowerEncoder = Pick<QaEngine, 'config' | 'fingerprint' | 'k' | 'passageOffset' | 'provider' | 'lowerPassages' | 'close'>;

/**
 * Tokenization through tokenizer.json (@huggingface/tokenizers), with char offsets computed
 * by us (the library gives none). Implemented in model/tokenizer.ts.
 */
export interface Tokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** Word-piece ids of `text` without special tokens; offsets are char spans into `text`. */
  tokenize(text: string): { ids: Int32Array; offsets: Array<[number, number]> };
  /** `[CLS] q [SEP]`, the question truncated so the segment has at most `maxTokens` tokens. */
  questionSegment(question: string, maxTokens?: number): Segment;
  /** `p [SEP]` from ids/offsets produced by `tokenize` (a window of them). */
  passageSegment(ids: ArrayLike<number>, offsets: Array<[number, number]>): Segment;
}
