import { describe, expect, it } from 'vitest';
import { lowerWeightsFor } from './lower-weights';

describe('lowerWeightsFor', () => {
  it('int8 lowers in int8 only over fp32/fp16 states; fp32 always lowers in fp32', () => {
    expect(['fp32', 'fp16', 'int8', 'int4', 'int3'].map((p) => lowerWeightsFor('int8', p as 'fp16'))).toEqual(['int8', 'int8', 'fp32', 'fp32', 'fp32']);
    expect(['fp32', 'fp16', 'int3'].map((p) => lowerWeightsFor('fp32', p as 'fp16'))).toEqual(['fp32', 'fp32', 'fp32']);
  });
});
