import { describe, expect, it } from 'vitest';
import { largeBufferMallocEnv, withLargeBufferMalloc } from './malloc-env';

describe('indexer malloc settings', () => {
  it('are added to the environment, but never override what the user set', () => {
    const env = withLargeBufferMalloc({ PATH: '/bin', MALLOC_TRIM_THRESHOLD_: '1' });
    expect(env.PATH).toBe('/bin');
    expect(env.MALLOC_TRIM_THRESHOLD_).toBe('1');
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe(largeBufferMallocEnv.MALLOC_MMAP_THRESHOLD_);
    // Above the 1 MB LMDB values and the ~16 MB lower-pass outputs of a batch of 16 windows.
    expect(Number(env.MALLOC_MMAP_THRESHOLD_)).toBeGreaterThan(16 * 320 * 768 * 4);
  });
});
