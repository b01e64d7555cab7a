import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The `deformer` block a DeFormer-fine-tuned checkpoint carries in its config.json:
 *
 *   "deformer": { "k": 3, "passageOffset": 0, "trainedK": [3], ... }
 *
 * k is the split the model was trained for (the app's default k for it), trainedK every split it
 * saw in training: another k runs layers that never learned to join the question and the passage
 * there, so answers get worse. Stock checkpoints have no block; they get 3n/4 as before.
 * Read here, apart from config.ts's ModelConfig, so the engine's config stays architecture-only.
 */
const deformerBlock = z.object({
  k: z.number().int().nonnegative(),
  passageOffset: z.number().int().nonnegative().default(0),
  trainedK: z.array(z.number().int().nonnegative()).optional(),
});

/** What a checkpoint says about the split it was trained for. */
export interface DeformerMeta {
  /** The split it was trained for: the default k. */
  k: number;
  passageOffset: number;
  /** Every split it was trained for (at least k). */
  trainedK: number[];
}

/** The `deformer` block of a parsed config.json, or null when there is none or it is malformed. */
export function parseDeformerMeta(json: unknown): DeformerMeta | null {
  if (typeof json !== 'object' || json === null) return null;
  const parsed = deformerBlock.safeParse((json as Record<string, unknown>).deformer);
  if (!parsed.success) return null;
  const { k, passageOffset, trainedK } = parsed.data;
  return { k, passageOffset, trainedK: [...new Set([k, ...(trainedK ?? [])])].sort((a, b) => a - b) };
}

/** The `deformer` block of `<dir>/config.json`; null when the file has none (or cannot be read). */
export function readDeformerMeta(dir: string): DeformerMeta | null {
  try {
    return parseDeformerMeta(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  } catch {
    return null;
  }
}

/** The k a model runs at when the person has not picked one: its trained k, else 3n/4 (capped at n). */
export function defaultSplit(layers: number, meta: DeformerMeta | null, recommended: (layers: number) => number): number {
  return Math.min(layers, meta?.k ?? recommended(layers));
}
