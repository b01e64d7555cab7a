import { describe, expect, it } from 'vitest';
import { chunkStateBytes, chunkWindowsFor, maxChunkWindows } from './encode-document';

/** fp32 states of one window. */
const windowBytes = (tokens: number, hidden: number) => tokens * hidden * 4;

describe('chunkWindowsFor: how many windows a streamed document lowers and stores at a time', () => {
  it('holds at most chunkStateBytes of states, and as many windows as fit', () => {
    for (const [tokens, hidden] of [[384, 768], [320, 768], [320, 384], [512, 1024], [384, 312]]) {
      const n = chunkWindowsFor(tokens, hidden);
      expect(n * windowBytes(tokens, hidden)).toBeLessThanOrEqual(chunkStateBytes);
      if (n < maxChunkWindows) expect((n + 1) * windowBytes(tokens, hidden)).toBeGreaterThan(chunkStateBytes);
    }
    // DistilBERT/BERT-base windows of 384 tokens: 151 MB of states per chunk at the old 128 windows.
    expect(chunkWindowsFor(384, 768)).toBeLessThan(maxChunkWindows / 4);
  });

  it('keeps the most windows when states are small or absent, and at least one whatever the width', () => {
    expect(chunkWindowsFor(48, 32)).toBe(maxChunkWindows);
    expect(chunkWindowsFor(320, undefined)).toBe(maxChunkWindows);
    expect(chunkWindowsFor(4096, 4096)).toBe(1);
  });
});
