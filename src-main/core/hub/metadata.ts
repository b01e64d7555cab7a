import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The small record kept beside each installed model's files. */
export const modelMetaFile = 'desk-model.json';

const fileRecord = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** desk-model.json: where the model came from, what its files are, and what the engine will see. */
export const modelMetaSchema = z.object({
  schema: z.literal(1),
  name: z.string(),
  source: z.enum(['hub', 'import', 'builtin']),
  /** Hub models: repo id, the revision asked for, and the commit it resolved to. */
  repo: z.string().optional(),
  revision: z.string().optional(),
  commit: z.string().optional(),
  /** Imported models: the folder or .zip they came from. */
  importedFrom: z.string().optional(),
  files: z.array(fileRecord),
  installedAt: z.string(),
  /** The checkpoint's fingerprint (sha256 over config.json ‖ model.safetensors), as loadCheckpoint computes it. */
  fingerprint: z.string(),
  /** A registered model family (model/families/registry.ts); checked again when the model loads. */
  arch: z.string().min(1),
  layers: z.number().int().positive(),
  hidden: z.number().int().positive(),
  /** True when tokenizer.json was built here from vocab.txt (the repo had none). */
  tokenizerSynthesized: z.boolean().optional(),
});

export type ModelMeta = z.infer<typeof modelMetaSchema>;
export type ModelFileRecord = z.infer<typeof fileRecord>;

/** An installed model: its name (folder name), its folder, and its record. */
export interface InstalledModel {
  name: string;
  dir: string;
  meta: ModelMeta;
  /** Shipped with the app (models/builtin.ts): listed, usable, never removed. */
  isBuiltin?: boolean;
}

/** The record of a model folder, or undefined when there is none or it does not parse. */
export async function readModelMeta(dir: string): Promise<ModelMeta | undefined> {
  const text = await readFile(join(dir, modelMetaFile), 'utf-8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = modelMetaSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes JSON through a temp file and a rename, so a crash never leaves half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}
