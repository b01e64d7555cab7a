/**
 * Messages between an EngineThread (engine-thread.ts, the thread that serves) and its worker
 * (engine-thread-worker.ts, the thread that runs ONNX Runtime). Described once here with zod and
 * checked on receipt in both directions: a message of the wrong shape is a bug, failed loudly.
 */
import { z } from 'zod';
import { ProviderSchema, WireErrorSchema } from '../../contract';
import type { ModelConfig } from '../types';

// Typed arrays as the engine types them (any backing buffer); structured clone keeps their class.
const ids = z.custom<Int32Array>((v) => v instanceof Int32Array, 'expected an Int32Array');
const floats = z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array');
const count = z.number().int().min(0);

export const LowerStatesSchema = z.object({ data: floats, tokens: count, hidden: count });
export const SpanLogitsSchema = z.object({ start: floats, end: floats, questionTokens: count });

/** What the worker opens its engine with (structured-cloned: no functions). */
export const EngineThreadDataSchema = z.object({
  checkpointDir: z.string(),
  options: z.object({
    k: count,
    passageOffset: count.optional(),
    provider: ProviderSchema.optional(),
    cacheDir: z.string(),
    threads: z.number().int().min(1).optional(),
    maxQuestionTokens: z.number().int().min(3).optional(),
    lowerBatchSize: z.number().int().min(1).optional(),
    spinning: z.boolean().optional(),
    openFirst: z.enum(['lower', 'ask']).optional(),
    weights: z.enum(['fp32', 'int8']).optional(),
  }),
});
export type EngineThreadData = z.infer<typeof EngineThreadDataSchema>;

export const ThreadRequestSchema = z.discriminatedUnion('kind', [
  /** Passage segments `p [SEP]` (the indexer). */
  z.object({ kind: z.literal('lowerPassages'), id: count, segments: z.array(ids) }),
  /** A question segment `[CLS] q [SEP]` (encodeQuestion). */
  z.object({ kind: z.literal('lowerQuestion'), id: count, question: ids }),
  z.object({ kind: z.literal('upper'), id: count, question: LowerStatesSchema, passages: z.array(LowerStatesSchema) }),
  /** The reader's one run per question (graph `ask`). */
  z.object({ kind: z.literal('ask'), id: count, question: ids, passages: z.array(LowerStatesSchema) }),
  z.object({ kind: z.literal('full'), id: count, question: ids, passages: z.array(ids) }),
  z.object({ kind: z.literal('close') }),
]);
export type ThreadRequest = z.infer<typeof ThreadRequestSchema>;

/** ModelConfig (model/types.ts); arch is a registered family, checked when the engine opened. */
const ModelConfigSchema = z.object({
  arch: z.string(),
  layers: count,
  hidden: count,
  heads: count,
  intermediate: count,
  vocabSize: count,
  maxPositions: count,
  typeVocabSize: count,
  layerNormEps: z.number(),
  activation: z.enum(['gelu', 'gelu_new', 'relu']),
  deformer: z.object({ k: count, passageOffset: count, trainedK: z.array(count) }).optional(),
}) satisfies z.ZodType<ModelConfig>;

export const ThreadReplySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ready'),
    config: ModelConfigSchema,
    fingerprint: z.string(),
    provider: z.object({ name: ProviderSchema, reason: z.string() }),
  }),
  z.object({ kind: z.literal('states'), id: count, states: z.array(LowerStatesSchema) }),
  z.object({ kind: z.literal('logits'), id: count, logits: z.array(SpanLogitsSchema) }),
  /** id 0: the engine could not be opened. */
  z.object({ kind: z.literal('failed'), id: count, error: WireErrorSchema }),
  z.object({ kind: z.literal('closed') }),
]);
export type ThreadReply = z.infer<typeof ThreadReplySchema>;

