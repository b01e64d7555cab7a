import { join, resolve } from 'node:path';

/** Repository root (this file lives in src-main/core/testing). */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** shared/ always sits beside the repository root, in CI too. */
export const sharedDir = resolve(repoRoot, '../shared');

/** The tiny Hugging Face golden checkpoints. */
export const goldenDir = join(sharedDir, 'fixtures/hf-golden');
export const tinyBertDir = join(goldenDir, 'tiny-bert-qa');
export const tinyDistilBertDir = join(goldenDir, 'tiny-distilbert-qa');
export const squadDevPath = join(sharedDir, 'data/squad/dev-v1.1.json');
