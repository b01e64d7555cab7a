import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { passageId } from './cache-key';
import { hadamardInPlace } from './hadamard';
import { LibraryStore } from './store';
import type { CacheIdentity, DocumentWrite } from './types';

/**
 * A library whose codec (or lower-pass weights) changes is re-indexed: the store never holds two
 * codecs, and an old cache opened for the new codec either refuses (reader side) or resets with
 * every document queued (indexer side). States written before the change are never misread.
 */
const hidden = 64;
const fp16: CacheIdentity = { modelFingerprint: 'f'.repeat(64), k: 4, passageOffset: 0, precision: 'fp16', windowTokens: 320, overlapTokens: 64 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-codec-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(path: string, tokens: number): DocumentWrite {
  const id = passageId(path, 0);
  const data = Float32Array.from({ length: tokens * hidden }, (_, i) => Math.sin(i * 0.7) * 2);
  return {
    doc: { path, folder: '/lib', sha256: `sha-${path}`, size: 1, mtimeMs: 1, status: 'done', documentTokens: tokens, passageIds: [id] },
    passages: [{ id, docPath: path, index: 0, text: 'quantised passage words', charStart: 0, charEnd: 23, tokenCount: tokens, ids: Array(tokens).fill(5), offsets: Array(tokens).fill([0, 1]) }],
    states: [{ data, tokens, hidden }],
  };
}

describe('the state codec of a library', () => {
  it('an fp16 cache opened for int4 is refused by a reader and reset by the indexer, which then stores int4 at its size', async () => {
    let store = LibraryStore.open(dir, fp16);
    await store.writeDocument(write('/lib/a.txt', 10));
    expect(store.stats().stateBytes).toBe(10 * 2 * hidden);
    await store.close();

    const int4 = { ...fp16, precision: 'int4' as const };
    let err: unknown;
    try {
      LibraryStore.open(dir, int4);
    } catch (e) {
      err = e;
    }
    expect(isDeskError(err, 'STORE_INCOMPATIBLE')).toBe(true);
    expect((err as Error).message).toMatch(/precision fp16 → int4/);

    store = LibraryStore.open(dir, int4, { onMismatch: 'reset' });
    expect(store.getDocument('/lib/a.txt')?.status).toBe('queued');
    const w = write('/lib/a.txt', 10);
    await store.writeDocument(w);
    // hidden 64: two 32-value groups, each an fp16 scale + 16 bytes of codes.
    expect(store.stats().stateBytes).toBe(10 * (2 * 2 + 32));
    const back = store.readStates(w.passages[0].id);
    // Within half a 4-bit step of the rotated states (hadamard.ts).
    const [x, y] = [w.states[0].data.slice(), back.data.slice()];
    hadamardInPlace(x, w.states[0].tokens, 64);
    hadamardInPlace(y, w.states[0].tokens, 64);
    const worst = Math.max(...Array.from(y, (v, i) => Math.abs(v - x[i])));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual((Math.max(...Array.from(x, Math.abs)) / 7.5) * 0.501 + 1e-3);
    await store.close();
  });

  it('int8 lower weights are another cache; an fp32-lowered cache from before the field opens unchanged', async () => {
    const store = LibraryStore.open(dir, fp16);
    await store.writeDocument(write('/lib/a.txt', 3));
    await store.close();
    const same = LibraryStore.open(dir, { ...fp16, lowerWeights: 'fp32' });
    expect(same.stats().passages).toBe(1);
    await same.close();
    let err: unknown;
    try {
      LibraryStore.open(dir, { ...fp16, lowerWeights: 'int8' });
    } catch (e) {
      err = e;
    }
    expect(isDeskError(err, 'STORE_INCOMPATIBLE') && (err as Error).message).toMatch(/lowerWeights fp32 → int8/);
  });
});
