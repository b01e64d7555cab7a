import { resolve } from 'node:path';
import { defaultSettings } from '../settings';
import type { IndexSettings } from './types';

/** The app's defaults (core/settings.ts, the one source) as the indexer takes them, plus its batch size. */
export const defaultIndexSettings: IndexSettings = {
  maxFileBytes: defaultSettings.maxFileMb * 1024 * 1024,
  windowTokens: defaultSettings.windowTokens,
  overlapTokens: defaultSettings.overlapTokens,
  precision: defaultSettings.precision,
  batchSize: 16,
  ocr: defaultSettings.ocr,
};

/**
 * Folder holding the bert-base-uncased tokenizer.json used to cut passages when no model is
 * installed (search-only). Shells that bundle the code elsewhere pass their own path.
 */
export const defaultTokenizerDir = resolve(import.meta.dirname, '../../../resources/tokenizer');
