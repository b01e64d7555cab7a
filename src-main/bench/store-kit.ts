/**
 * What store-write.ts and store-drop.ts share: a fresh LibraryStore of fp16 states, and one
 * document's generation written through it in chunks with the same states for every passage
 * (384 tokens at hidden 768: the large bench's DistilBERT-base shape at W 384).
 */
import { rmSync } from 'node:fs';
import { passageId } from '../core/store/cache-key';
import { LibraryStore } from '../core/store/store';
import type { PassageRecord } from '../core/store/types';
import { procStatus } from './proc-status';

export const docPath = '/tmp/big/line.txt';
export const generation = 'abcdef123456';
const tokens = 384;
const hidden = 768;

/** An empty store in `dir` (whatever was there is removed). */
export function freshStore(dir: string, overlapTokens: number): LibraryStore {
  rmSync(dir, { recursive: true, force: true });
  return LibraryStore.open(dir, { modelFingerprint: 'x', k: 4, passageOffset: 0, precision: 'fp16', windowTokens: tokens, overlapTokens });
}

/** The passage record fields a script chooses; the rest follow from the index. */
export type PassageBody = Pick<PassageRecord, 'text' | 'charStart' | 'charEnd' | 'ids' | 'offsets'>;

/**
 * Begins the generation and writes `total` passages, `chunk` per transaction; `withStates` false
 * writes passages and terms only. `afterChunk` gets the passages written so far and the chunk's number.
 */
export async function writeGeneration(
  store: LibraryStore,
  o: { total: number; chunk: number; withStates: boolean; body(index: number): PassageBody; afterChunk?(written: number, chunkIndex: number): void },
): Promise<void> {
  await store.beginDocument(docPath, generation);
  const data = new Float32Array(tokens * hidden).map((_, i) => Math.sin(i));
  for (let start = 0; start < o.total; start += o.chunk) {
    const passages: PassageRecord[] = [];
    for (let i = start; i < Math.min(o.total, start + o.chunk); i++) {
      passages.push({ id: passageId(docPath, i, generation), docPath, index: i, tokenCount: tokens, ...o.body(i) });
    }
    const states = o.withStates ? passages.map(() => ({ data, tokens, hidden })) : [];
    await store.writePassages({ docPath, generation, passages, states });
    o.afterChunk?.(start + passages.length, start / o.chunk);
  }
}

/** This process's anonymous and file-backed RSS and VmHWM, MB: what both scripts print. */
export function memoryMb(): { anon: number; file: number; hwm: number } {
  const s = procStatus();
  return { anon: s.RssAnon, file: s.RssFile, hwm: s.VmHWM };
}
