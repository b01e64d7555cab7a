import { describe, expect, it } from 'vitest';
import { identityDifferences, identityKey, passageId } from './cache-key';
import type { CacheIdentity } from './types';

const identity: CacheIdentity = { modelFingerprint: 'a'.repeat(64), k: 3, passageOffset: 0, precision: 'fp16', windowTokens: 320, overlapTokens: 64 };

describe('cache keys', () => {
  it('give each window of each document its own stable passage id', () => {
    expect(passageId('/docs/a.txt', 0)).toBe(passageId('/docs/a.txt', 0));
    expect(passageId('/docs/a.txt', 0)).toMatch(/^[0-9a-f]{16}-0$/);
    const ids = new Set(['/docs/a.txt', '/docs/b.txt'].flatMap((p) => [0, 1, 10].map((i) => passageId(p, i))));
    expect(ids.size).toBe(6);
  });

  it('key identities by every field that invalidates states', () => {
    expect(identityKey({ ...identity })).toBe(identityKey(identity));
    const variants: CacheIdentity[] = [
      { ...identity, modelFingerprint: 'b'.repeat(64) },
      { ...identity, k: 4 },
      { ...identity, passageOffset: 2 },
      { ...identity, precision: 'int8' },
      { ...identity, windowTokens: 384 },
      { ...identity, overlapTokens: 32 },
      { ...identity, precision: 'int4' },
      { ...identity, lowerWeights: 'int8' },
    ];
    for (const v of variants) expect(identityKey(v)).not.toBe(identityKey(identity));
  });

  it('an identity stored before lowerWeights existed is the same cache as one with fp32 lower weights', () => {
    expect(identityKey({ ...identity, lowerWeights: 'fp32' })).toBe(identityKey(identity));
    expect(identityDifferences(identity, { ...identity, lowerWeights: 'fp32' })).toEqual([]);
    expect(identityDifferences(identity, { ...identity, lowerWeights: 'int8' })).toEqual(['lowerWeights fp32 → int8']);
  });

  it('say in words what differs', () => {
    expect(identityDifferences(identity, identity)).toEqual([]);
    expect(identityDifferences(identity, { ...identity, k: 4, precision: 'int8' })).toEqual(['k 3 → 4', 'precision fp16 → int8']);
    expect(identityDifferences(identity, { ...identity, modelFingerprint: 'b'.repeat(64) })[0]).toMatch(/^modelFingerprint a{12}… → b{12}…$/);
  });
});
