/**
 * Typed access to the Hugging Face golden fixtures (shared/fixtures/hf-golden/<model>/golden.json)
 * for the engine's tests. Floats there are float32 values as shortest decimals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One DeFormer segment as HF ran it alone. */
export interface GoldenSegment {
  input_ids: number[];
  token_type_ids: number[] | null; // null for DistilBERT
  position_ids: number[];
  attention_mask: number[];
  lower_hidden_states: number[][][]; // [k + 1][tokens][hidden], entries 0..3
}

/** One question/passage case with full-model and DeFormer references. */
export interface GoldenCase {
  name: string;
  question: string;
  passage: string;
  input_ids: number[];
  token_type_ids: number[];
  attention_mask: number[];
  question_segment_length: number;
  start_logits: number[];
  end_logits: number[];
  hidden_states: number[][][]; // [layers + 1][tokens][hidden]
  deformer: {
    question_segment: GoldenSegment;
    passage_segment: GoldenSegment;
    splits: Record<string, { k: number; upper_hidden_states: number[][][]; start_logits: number[]; end_logits: number[] }>;
  };
}

/** golden.json, the parts the engine tests read. */
export interface Golden {
  num_layers: number;
  hidden_size: number;
  cases: GoldenCase[];
  batched: {
    input_ids: number[][];
    token_type_ids: number[][];
    attention_mask: number[][];
    rows: Array<{ name: string; valid_length: number; start_logits: Array<number | null>; end_logits: Array<number | null> }>;
  };
}

export function readGolden(checkpointDir: string): Golden {
  return JSON.parse(readFileSync(join(checkpointDir, 'golden.json'), 'utf-8')) as Golden;
}

/** Largest |a[i] − b[i]|; throws on a length mismatch so a wrong shape never passes as "close". */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** Whether two float arrays hold the same bits (so −0 ≠ 0 and NaN payloads count). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}
