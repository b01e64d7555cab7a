import { createHash } from 'node:crypto';
import type { CacheIdentity, Precision } from './types';

/**
 * Every key of the cache is built here, so what invalidates an entry is in one place:
 * - a passage's lower states are valid for one CacheIdentity (model weights, k, passage offset P,
 *   precision, window W, overlap O, the lower layers' weight precision); the store keeps one
 *   identity and never mixes two;
 * - a document's passages are replaced whenever the document is re-encoded (its sha256 changed),
 *   so a passage id needs only the document path and the window index, plus a generation for a
 *   document written across several transactions (its new passages sit beside the old ones until
 *   the document record flips to them);
 * - the record layouts have a schema version; another version is another cache.
 */

/** Layout of the databases; bump when a record's shape or meaning changes. */
export const schemaVersion = 1;

/**
 * Stable id of window `index` of the document at `docPath`: 16 hex chars of sha1(path), '-', the
 * index; with a generation, 16 hex chars, '.', the generation, '-', the index.
 */
export function passageId(docPath: string, index: number, generation?: string): string {
  return `${passagePrefix(docPath, generation)}${index}`;
}

/** What every passage id of one generation of a document starts with (and no other document's does). */
export function passagePrefix(docPath: string, generation?: string): string {
  const path = createHash('sha1').update(docPath).digest('hex').slice(0, 16);
  return generation ? `${path}.${generation}-` : `${path}-`;
}

/**
 * The generation a document's next multi-transaction write uses: from its content hash, so two
 * runs over the same files store the same ids, and never the generation it has now (whose
 * passages must stay readable until the flip).
 */
export function nextGeneration(sha256: string, current?: string): string {
  const base = sha256.slice(0, 12) || 'g';
  return current === base ? `${base}b` : base;
}

/** The fingerprint a library indexed without a model carries (passages and terms only, no states). */
export const noModelFingerprint = 'none';

/**
 * The one place a CacheIdentity is assembled: the model's weights (null: no model), its split
 * (with the lower pass's weight precision), and the settings that shape passages and their states.
 */
export function identityOf(
  fingerprint: string | null,
  split: { k: number; passageOffset: number; lowerWeights?: 'fp32' | 'int8' },
  cut: { precision: Precision; windowTokens: number; overlapTokens: number },
): CacheIdentity {
  return {
    // Without a model there are no states, so no lower pass: fp32 names that (an old cache's value).
    lowerWeights: fingerprint ? (split.lowerWeights ?? 'fp32') : 'fp32',
    modelFingerprint: fingerprint ?? noModelFingerprint,
    k: split.k,
    passageOffset: split.passageOffset,
    precision: cut.precision,
    windowTokens: cut.windowTokens,
    overlapTokens: cut.overlapTokens,
  };
}

const identityFields: Array<keyof CacheIdentity> = [
  'modelFingerprint',
  'k',
  'passageOffset',
  'precision',
  'windowTokens',
  'overlapTokens',
  'lowerWeights',
];

/** A field's value; an identity stored before `lowerWeights` existed was lowered with fp32 weights. */
function field(identity: CacheIdentity, f: keyof CacheIdentity): string | number {
  return f === 'lowerWeights' ? (identity.lowerWeights ?? 'fp32') : identity[f]!;
}

/** One string that is equal for two identities exactly when their cached states are interchangeable. */
export function identityKey(identity: CacheIdentity): string {
  // fp32 lower weights add nothing, so the keys of caches written before the field stay the same.
  return identityFields
    .filter((f) => f !== 'lowerWeights' || field(identity, f) !== 'fp32')
    .map((f) => `${f}=${field(identity, f)}`)
    .join(';');
}

/** What differs between a stored and a wanted identity, in words ("k 3 → 4"); empty when they match. */
export function identityDifferences(stored: CacheIdentity, wanted: CacheIdentity): string[] {
  return identityFields
    .filter((f) => field(stored, f) !== field(wanted, f))
    .map((f) => `${f} ${short(field(stored, f))} → ${short(field(wanted, f))}`);
}

function short(v: string | number): string {
  return typeof v === 'string' && v.length > 16 ? `${v.slice(0, 12)}…` : String(v);
}
