/**
 * Store-only memory check of a dropped generation (README "One huge document"):
 * `npx tsx src-main/bench/store-drop.ts [N=4000] [CHUNK=28] [DIR]` writes N passages of one document's
 * generation (fp16 states, 384 tokens at hidden 768) in chunks through LibraryStore, abandons it
 * (what closing the indexer mid-document or a crash's clean-up does), and prints this process's
 * RssAnon / RssFile before and the peak RssFile during the drop. No model: seconds, not hours.
 */
import { rmSync } from 'node:fs';
import { docPath, freshStore, generation, memoryMb as mem, writeGeneration } from './store-kit';

const total = Number(process.argv[2] ?? 4000), chunk = Number(process.argv[3] ?? 28), dir = process.argv[4] ?? '/tmp/store-drop';
const store = freshStore(dir, 64);
await writeGeneration(store, {
  total,
  chunk,
  withStates: true,
  body: (i) => {
    const text = `passage ${i} about the river castle ${i % 97} and meadow ${i % 13}`;
    return { text, charStart: 0, charEnd: text.length, ids: [1], offsets: [[0, 1]] };
  },
});
console.log('written', JSON.stringify(mem()));
let peakFile = 0;
const timer = setInterval(() => (peakFile = Math.max(peakFile, mem().file)), 50);
const t = Date.now();
await store.abandonDocument(docPath, generation);
clearInterval(timer);
console.log('dropped', JSON.stringify(mem()), `peak file during drop ${peakFile} MB`, `${((Date.now() - t) / 1000).toFixed(1)} s`, JSON.stringify(store.stats()));
await store.close();
rmSync(dir, { recursive: true, force: true });
