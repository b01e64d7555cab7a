/**
 * Store-only memory check of a long document's write (README "One huge document"):
 * `npx tsx src-main/bench/store-write.ts [N=4000] [CHUNK=128] [DIR]` writes N passages of SQuAD
 * text (term index included) with fp16 states (384 tokens at hidden 768) under one generation,
 * CHUNK per transaction, through LibraryStore, and prints this process's RssAnon / RssFile / VmHWM
 * every ~2,048 passages. No model: the store's own share of the indexer's memory, in minutes.
 * NOSTATES=1 writes passages and terms only.
 */
import { loadSquad } from '../core/eval/squad-data';
import { squadDevPath } from '../core/testing/paths';
import { freshStore, memoryMb as mem, writeGeneration } from './store-kit';

const total = Number(process.argv[2] ?? 4000);
const chunk = Number(process.argv[3] ?? 128);
const dir = process.argv[4] ?? '/tmp/store-mem';
const words = loadSquad(squadDevPath).paragraphs.map((p) => p.context.replace(/\s+/g, ' ')).join(' ').split(' ');
const store = freshStore(dir, 128);
const t0 = Date.now();
const every = Math.max(1, Math.round(2048 / chunk));
await writeGeneration(store, {
  total,
  chunk,
  withStates: !process.env.NOSTATES,
  body: (i) => {
    const at = (i * 200) % (words.length - 300);
    const text = words.slice(at, at + 290).join(' ');
    return {
      text, charStart: i * 1000, charEnd: i * 1000 + text.length,
      ids: Array.from({ length: 384 }, (_, j) => 1000 + ((i * 7 + j * 13) % 20000)),
      offsets: Array.from({ length: 384 }, (_, j) => [i * 1000 + j * 4, i * 1000 + j * 4 + 3] as [number, number]),
    };
  },
  afterChunk: (written, n) => {
    if (n % every === 0) console.log(written, JSON.stringify(mem()), `${((Date.now() - t0) / 1000).toFixed(0)}s`);
  },
});
console.log('end', JSON.stringify(mem()));
await store.close();
