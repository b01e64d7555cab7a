/**
 * The DeFormer engine: one checkpoint, one split point k, one session per graph kind.
 *   lowerPassages: passage segments `p [SEP]` → states after layer k (cached by the indexer)
 *   askPass: `[CLS] q [SEP]` through layers 1..k, joined with N passages' cached states,
 *            layers k+1..n → span logits, one batch, one ONNX Runtime run (what answering uses)
 *   encodeQuestion + upperPass: the same in two runs, with the question's states in hand
 *   fullPass: the ordinary model, for evaluation and the benchmark
 * Settings (config, k, P) are read-only; sessions are created once, on first use (an indexer
 * never opens the answering graphs, a reader never opens `lower`); tensors are per call.
 */
import { availableParallelism } from 'node:os';
import type * as ort from 'onnxruntime-node';
import { DeskError } from '../errors';
import { loadCheckpoint } from './checkpoint';
import { askFeeds, planBatches, sequenceFeeds, upperFeeds, type SequenceInput } from './engine-inputs';
import { ensureGraphs } from './graph-cache';
import { IO, type GraphKind } from './onnx/graphs';
import type { WeightPrecision } from './onnx/int8-weights';
import { openSession, type ProviderChoice, type SessionSettings } from './providers';
import { loadTokenizer } from './tokenizer';
import type {
  Checkpoint, EncodedQuestion, EngineOptions, LowerStates, ModelConfig, ProviderName, QaEngine, Segment, SpanLogits, Tokenizer,
} from './types';

export type { SequenceInput } from './engine-inputs';

/** Engine options beyond the shared contract (all optional). */
export interface EngineOpenOptions extends EngineOptions {
  /** Longest question segment `[CLS] q [SEP]`; longer questions are truncated (ARCHITECTURE.md#data-flow: 64). */
  maxQuestionTokens?: number;
  /** Segments per lower-pass batch (sorted by length, so padding stays small); default defaultLowerBatch. */
  lowerBatchSize?: number;
  /** Also build the `full` graph that outputs every layer's hidden states (golden tests). */
  debugHiddenStates?: boolean;
  /** Let ORT's idle threads spin between ops: lower latency on an otherwise idle machine only. */
  spinning?: boolean;
  /** Where provider fallbacks are reported. */
  log?: (line: string) => void;
  /**
   * The graph opened up front, on which the provider is chosen ('lower' for an indexer, 'ask'
   * for a reader); the others open on first use with that provider. Default 'lower'.
   */
  openFirst?: 'lower' | 'ask';
  /**
   * Linear weights of the UPPER layers (graphs `upper` and `ask`): 'int8' runs QKV as QAttention
   * and the attention-output and FFN Linears as DynamicQuantizeMatMul (per-column int8 weights;
   * ~1% of the logit range drift on BERT-base shapes, ~2.5x faster). The lower pass stays fp32
   * either way, so cached passage states and the store identity do not change. Default 'fp32'.
   */
  weights?: WeightPrecision;
  /**
   * Linear weights of the LOWER layers (graph `lower`, and the question's layers in `ask`). 'int8'
   * changes the cached passage states, so the store identity records it (CacheIdentity.lowerWeights).
   * Default 'fp32'.
   */
  lowerWeights?: WeightPrecision;
}

/** Full-model outputs with every layer's hidden states (index 0 = embeddings output). */
export interface FullDebugOutput {
  logits: SpanLogits;
  hiddenStates: LowerStates[]; // [layers + 1] × [tokens, hidden]
}

export const defaultMaxQuestionTokens = 64;
/**
 * Segments per lower-pass batch when the caller does not say. ONNX Runtime's CPU arena keeps the
 * largest batch's activations for the session's life: at hidden 768 and 384 tokens ~32 MB per
 * segment (attention scores dominate), and a bigger batch is no faster on CPU (DistilBERT-base,
 * 4 layers, 2 cores: 362 / 340 / 353 ms per segment at 1 / 4 / 16). A GPU wants bigger batches,
 * and its activations are not the process's memory.
 */
export function defaultLowerBatch(provider: ProviderName): number {
  return provider === 'cpu' ? 4 : 8;
}

/** The graphs an engine can run; each session opens on first use. */
type SessionName = 'lower' | 'upper' | 'ask' | 'full' | 'fullDebug';
type GraphPaths = Record<SessionName, string | null>; // fullDebug: null unless debugHiddenStates

/** Slices row b of a [B,T,H] (or [B,T]) output into a view of its first `tokens` rows. */
function rowView(data: Float32Array, b: number, rowLength: number, tokens: number, width: number): Float32Array {
  const start = b * rowLength * width;
  return data.subarray(start, start + tokens * width);
}

/** Implements QaEngine over ONNX Runtime sessions; see the file comment for the passes. */
export class Engine implements QaEngine {
  readonly config: ModelConfig;
  readonly fingerprint: string;
  readonly k: number;
  readonly passageOffset: number;
  readonly provider: ProviderChoice;
  /** Precision of the upper graph's Linear weights (the lower pass is always fp32). */
  readonly weights: WeightPrecision;
  /** Precision of the lower layers' Linear weights (passage and question lower passes). */
  readonly lowerWeights: WeightPrecision;
  /** Graph files this open had to build (empty when all came from the cache). */
  readonly builtGraphs: string[];
  private readonly sessions = new Map<SessionName, Promise<ort.InferenceSession>>();

  private constructor(
    checkpoint: Checkpoint,
    private readonly tokenizer: Tokenizer | null,
    private readonly options: EngineOpenOptions,
    private readonly settings: SessionSettings,
    private readonly paths: GraphPaths,
    first: { name: SessionName; session: ort.InferenceSession },
    provider: ProviderChoice,
    builtGraphs: string[],
  ) {
    this.sessions.set(first.name, Promise.resolve(first.session));
    this.config = checkpoint.config;
    this.fingerprint = checkpoint.fingerprint;
    this.k = options.k;
    this.passageOffset = options.passageOffset ?? 0;
    this.provider = provider;
    this.weights = options.weights ?? 'fp32';
    this.lowerWeights = options.lowerWeights ?? 'fp32';
    this.builtGraphs = builtGraphs;
  }

  /** Loads the checkpoint and tokenizer in `checkpointDir`, builds or loads the graphs for k, opens sessions. */
  static async open(checkpointDir: string, options: EngineOpenOptions): Promise<Engine> {
    const [checkpoint, tokenizer] = await Promise.all([loadCheckpoint(checkpointDir), loadTokenizer(checkpointDir)]);
    return Engine.fromCheckpoint(checkpoint, options, tokenizer);
  }

  /**
   * Opens an engine over an already loaded checkpoint. Without a tokenizer everything but
   * `encodeQuestion` works (tests and benchmarks feed ids directly).
   */
  static async fromCheckpoint(checkpoint: Checkpoint, requested: EngineOpenOptions, tokenizer: Tokenizer | null = null): Promise<Engine> {
    const { layers, maxPositions } = checkpoint.config;
    // A DeFormer-trained checkpoint says which P its weights learned; stock ones use 0.
    const options = { ...requested, passageOffset: requested.passageOffset ?? checkpoint.config.deformer?.passageOffset ?? 0 };
    if (!Number.isInteger(options.k) || options.k < 0 || options.k > layers) {
      throw new DeskError('BAD_REQUEST', `Split point k=${options.k} is outside 0..${layers} for this ${layers}-layer model.`);
    }
    const P = options.passageOffset ?? 0;
    if (!Number.isInteger(P) || P < 0 || P >= maxPositions) {
      throw new DeskError('BAD_REQUEST', `Passage offset ${P} is outside 0..${maxPositions - 1}.`);
    }
    const weights = options.weights ?? 'fp32';
    const lowerWeights = options.lowerWeights ?? 'fp32';
    for (const w of [weights, lowerWeights]) {
      if (w !== 'fp32' && w !== 'int8') throw new DeskError('BAD_REQUEST', `Weight precision "${String(w)}" is not one of fp32, int8.`);
    }
    const { k } = options;
    const kinds: GraphKind[] = [
      { kind: 'lower', k, weights: lowerWeights }, { kind: 'upper', k, weights }, { kind: 'ask', k, weights, lowerWeights }, { kind: 'full' },
    ];
    if (options.debugHiddenStates) kinds.push({ kind: 'full', hiddenStates: true });
    const graphs = ensureGraphs(checkpoint, options.cacheDir, kinds);
    const paths: GraphPaths = {
      lower: graphs[0].path,
      upper: graphs[1].path,
      ask: graphs[2].path,
      full: graphs[3].path,
      fullDebug: graphs[4]?.path ?? null,
    };
    const settings: SessionSettings = {
      provider: options.provider ?? 'auto',
      threads: options.threads ?? availableParallelism(),
      spinning: options.spinning ?? false,
    };
    const first = options.openFirst ?? 'lower';
    const opened = await openSession(paths[first]!, settings, options.log);
    // The provider that worked for the first graph is the one every other graph uses.
    const chosen: SessionSettings = { ...settings, provider: opened.provider.name };
    const built = graphs.filter((g) => g.built).map((g) => g.path);
    return new Engine(checkpoint, tokenizer, options, chosen, paths, { name: first, session: opened.session }, opened.provider, built);
  }

  /** Lower pass over raw sequences (any ids, token types, positions), batched by length; states in input order. */
  async lowerPass(inputs: SequenceInput[]): Promise<LowerStates[]> {
    const H = this.config.hidden;
    const out: LowerStates[] = new Array(inputs.length);
    const batchSize = this.options.lowerBatchSize ?? defaultLowerBatch(this.provider.name);
    for (const batch of planBatches(inputs.map((s) => s.ids.length), batchSize)) {
      const { feeds, tokens } = sequenceFeeds(batch.map((i) => inputs[i]), this.config);
      const result = await (await this.session('lower')).run(feeds);
      const states = result[IO.states].data as Float32Array; // [B,T,H]
      batch.forEach((i, b) => {
        const n = inputs[i].ids.length;
        out[i] = { data: rowView(states, b, tokens, n, H), tokens: n, hidden: H };
      });
    }
    return out;
  }

  /** Passage segments `p [SEP]`: token type 1, positions from P. States are views into the batch output. */
  lowerPassages(segments: Segment[]): Promise<LowerStates[]> {
    return this.lowerPass(segments.map((s) => ({ ids: s.ids, tokenTypes: 1, positionStart: this.passageOffset })));
  }

  /** Lower states of a question segment `[CLS] q [SEP]` (token type 0, positions from 0). */
  async lowerQuestion(segment: Segment): Promise<LowerStates> {
    const [states] = await this.lowerPass([{ ids: segment.ids, tokenTypes: 0, positionStart: 0 }]);
    return states;
  }

  questionSegment(text: string): Segment {
    if (!this.tokenizer) throw new Error('engine: opened without a tokenizer; use Engine.open to tokenize questions');
    if (!text.trim()) throw new DeskError('QUESTION_EMPTY', 'The question is empty.');
    return this.tokenizer.questionSegment(text, this.options.maxQuestionTokens ?? defaultMaxQuestionTokens);
  }

  async encodeQuestion(text: string): Promise<EncodedQuestion> {
    const segment = this.questionSegment(text);
    return { text, segment, lowerStates: await this.lowerQuestion(segment) };
  }

  async upperPass(question: LowerStates, passages: LowerStates[]): Promise<SpanLogits[]> {
    if (passages.length === 0) return [];
    const { feeds, tokens } = upperFeeds(question, passages, this.config.hidden);
    const result = await (await this.session('upper')).run(feeds);
    return this.splitLogits(result, tokens, question.tokens, passages.map((p) => question.tokens + p.tokens));
  }

  async askPass(question: Segment, passages: LowerStates[]): Promise<SpanLogits[]> {
    if (passages.length === 0) return [];
    const Tq = question.ids.length;
    const { feeds, tokens } = askFeeds({ ids: question.ids, tokenTypes: 0, positionStart: 0 }, passages, this.config);
    const result = await (await this.session('ask')).run(feeds);
    return this.splitLogits(result, tokens, Tq, passages.map((p) => Tq + p.tokens));
  }

  async fullPass(question: Segment, passages: Segment[]): Promise<SpanLogits[]> {
    const inputs = passages.map((p) => this.joinSegments(question, p));
    return this.fullPassRaw(inputs, question.ids.length);
  }

  /** The full model over one raw sequence with every layer's hidden states (needs `debugHiddenStates`). */
  async fullPassWithHiddenStates(input: SequenceInput): Promise<FullDebugOutput> {
    const { feeds, tokens } = sequenceFeeds([input], this.config);
    const result = await (await this.session('fullDebug')).run(feeds);
    const H = this.config.hidden;
    const hiddenStates = Array.from({ length: this.config.layers + 1 }, (_, j) => ({
      data: result[IO.hiddenStates(j)].data as Float32Array, // [tokens, hidden]
      tokens,
      hidden: H,
    }));
    return { logits: this.splitLogits(result, tokens, 0, [tokens])[0], hiddenStates };
  }

  /** The full model over raw sequences in one padded batch (e.g. golden ids with their own token types). */
  async fullPassRaw(inputs: SequenceInput[], questionTokens: number): Promise<SpanLogits[]> {
    if (inputs.length === 0) return [];
    const { feeds, tokens } = sequenceFeeds(inputs, this.config);
    const result = await (await this.session('full')).run(feeds);
    return this.splitLogits(result, tokens, questionTokens, inputs.map((s) => s.ids.length));
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.sessions.values());
    this.sessions.clear();
    await Promise.all(opened.map((s) => (s.status === 'fulfilled' ? s.value.release() : undefined)));
  }

  /** `[CLS] q [SEP]` ‖ `p [SEP]`: question ids then passage ids, types 0 then 1, positions 0..L−1. */
  private joinSegments(question: Segment, passage: Segment): SequenceInput {
    const Tq = question.ids.length;
    const ids = new Int32Array(Tq + passage.ids.length);
    ids.set(question.ids);
    ids.set(passage.ids, Tq);
    const tokenTypes = new Uint8Array(ids.length).fill(1, Tq);
    return { ids, tokenTypes, positionStart: 0 };
  }

  /** start/end [B,T] outputs → one SpanLogits per row, each a view of its valid tokens. */
  private splitLogits(result: ort.InferenceSession.OnnxValueMapType, rowLength: number, questionTokens: number, lengths: number[]): SpanLogits[] {
    const start = result[IO.startLogits].data as Float32Array;
    const end = result[IO.endLogits].data as Float32Array;
    return lengths.map((n, b) => ({
      start: rowView(start, b, rowLength, n, 1),
      end: rowView(end, b, rowLength, n, 1),
      questionTokens,
    }));
  }

  /** The session of a graph, opened on first use with the provider chosen at open. */
  private session(name: SessionName): Promise<ort.InferenceSession> {
    let session = this.sessions.get(name);
    if (!session) {
      const path = this.paths[name];
      if (!path) throw new Error('engine: open with debugHiddenStates to get hidden states');
      session = openSession(path, this.settings, this.options.log).then((s) => s.session);
      // A graph that failed to open is tried again on the next call, not cached as failed.
      session.catch(() => this.sessions.delete(name));
      this.sessions.set(name, session);
    }
    return session;
  }
}
