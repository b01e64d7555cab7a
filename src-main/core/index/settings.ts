import { resolve } from 'node:path';
import type { IndexSettings } from './types';

/** DESIGN §2 sizes: windows of W = 320 tokens overlapping by O = 64; files up to 50 MB. */
export const defaultIndexSettings: IndexSettings = {
  maxFileBytes: 50 * 1024 * 1024,
  windowTokens: 320,
  overlapTokens: 64,
  precision: 'fp32',
  batchSize: 16,
  ocr: true,
};

/**
 * Folder holding the bert-base-uncased tokenizer.json used to cut passages when no model is
 * installed (search-only). Shells that bundle the code elsewhere pass their own path.
 */
export const defaultTokenizerDir = resolve(import.meta.dirname, '../../../resources/tokenizer');
