import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { familyNames } from '../src-main/core/model/families/registry';

/**
 * The known-model catalogue (models/catalogue.json): extractive-QA checkpoints the engine can load,
 * each pinned to a hub commit that has model.safetensors, with how that pin was confirmed.
 */

const catalogueFile = z.object({
  name: z.string(),
  /** Required files must exist in the repo; optional ones are fetched when present. */
  required: z.boolean(),
  /** As the hub displays it (rounded), e.g. "261 MB". */
  sizeApprox: z.string().optional(),
  /** sha256 of the content, only where seen on the hub's LFS details. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export const catalogueEntrySchema = z
  .object({
    /** Short name for the CLI: `model pull distilbert-cased-squad`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
    /** A 40-hex commit when pinned; a branch (e.g. main) when no commit could be confirmed. */
    revision: z.string().min(1),
    pinned: z.boolean(),
    /** Where the pinned commit was seen. */
    revisionSource: z.string(),
    /** Which revision first has model.safetensors (older ones ship only pytorch_model.bin). */
    safetensorsSince: z.string(),
    /** A registered model family (src-main/core/model/families/registry.ts). */
    arch: z.string().refine((arch) => familyNames().includes(arch), { message: `not a registered model family (${familyNames().join(', ')})` }),
    layers: z.number().int().positive(),
    hidden: z.number().int().positive(),
    heads: z.number().int().positive(),
    params: z.string(),
    cased: z.boolean(),
    files: z.array(catalogueFile).min(1),
    downloadApprox: z.string(),
    /** Suggested split point for stock weights (k lower layers per segment). */
    recommendedK: z.number().int().nonnegative(),
    squad: z.enum(['v1.1', 'v2.0']),
    /** Dev-set F1 as published on the model card, where confirmed. */
    f1: z.number().optional(),
    answersWell: z.string(),
    license: z.string(),
    caveats: z.array(z.string()),
  })
  .refine((e) => e.pinned === /^[0-9a-f]{40}$/.test(e.revision), {
    message: 'pinned must be true exactly when revision is a 40-hex commit',
  })
  .refine((e) => e.recommendedK <= e.layers, { message: 'recommendedK must be at most layers' })
  .refine((e) => e.files.some((f) => f.name === 'model.safetensors' && f.required), {
    message: 'model.safetensors must be a required file',
  });

export const catalogueSchema = z.object({
  schema: z.literal(1),
  notes: z.string(),
  models: z.array(catalogueEntrySchema),
});

export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;
export type Catalogue = z.infer<typeof catalogueSchema>;

/** The catalogue file shipped beside this module. */
export const cataloguePath = join(import.meta.dirname, 'catalogue.json');

/** Reads and validates the catalogue; a bad file throws with zod's account of what is wrong. */
export function loadCatalogue(path = cataloguePath): Catalogue {
  return catalogueSchema.parse(JSON.parse(readFileSync(path, 'utf-8')));
}

/** An entry by its short id or its repo id (case-insensitive), if known. */
export function findCatalogueEntry(catalogue: Catalogue, idOrRepo: string): CatalogueEntry | undefined {
  const key = idOrRepo.toLowerCase();
  return catalogue.models.find((m) => m.id === key || m.repo.toLowerCase() === key);
}
