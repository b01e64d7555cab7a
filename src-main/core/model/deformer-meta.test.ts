import { describe, expect, it } from 'vitest';
import { recommendedK } from './config';
import { defaultSplit, parseDeformerMeta } from './deformer-meta';

describe('the deformer block of config.json', () => {
  it('reads k, passageOffset and trainedK (k always among them, sorted)', () => {
    expect(parseDeformerMeta({ deformer: { k: 3, passageOffset: 0, trainedK: [4, 2], extra: 'kept out' } })).toEqual({ k: 3, passageOffset: 0, trainedK: [2, 3, 4] });
    expect(parseDeformerMeta({ deformer: { k: 5 } })).toEqual({ k: 5, passageOffset: 0, trainedK: [5] });
  });

  it('is null for stock checkpoints and malformed blocks', () => {
    expect(parseDeformerMeta({ model_type: 'bert' })).toBeNull();
    expect(parseDeformerMeta({ deformer: { k: -1 } })).toBeNull();
    expect(parseDeformerMeta({ deformer: { k: '3' } })).toBeNull();
    expect(parseDeformerMeta(null)).toBeNull();
  });

  it('gives the trained k as the default split, else 3n/4, never above n', () => {
    expect(defaultSplit(6, { k: 3, passageOffset: 0, trainedK: [3] }, recommendedK)).toBe(3);
    expect(defaultSplit(12, null, recommendedK)).toBe(9);
    expect(defaultSplit(4, { k: 9, passageOffset: 0, trainedK: [9] }, recommendedK)).toBe(4);
  });
});
