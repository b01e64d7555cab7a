/**
 * Store-only memory check of a dropped generation (README "One huge document"):
 * `npx tsx src-main/bench/store-drop.ts [N=4000] [CHUNK=28] [DIR]` writes N passages of one document's
 * generation (fp16 states, 384 tokens at hidden 768) in chunks through LibraryStore, abandons it
 * (what closing the indexer mid-document or a crash's clean-up does), and prints this process's
 * RssAnon / RssFile before and the peak RssFile during the drop. No model: seconds, not hours.
 */
import { readFileSync, rmSync } from 'node:fs';
import { LibraryStore } from '../core/store/store';
import { passageId } from '../core/store/cache-key';
const total = Number(process.argv[2] ?? 4000), chunk = Number(process.argv[3] ?? 28), dir = process.argv[4] ?? '/tmp/store-drop';
rmSync(dir, { recursive: true, force: true });
const mem = () => {
  const s = readFileSync('/proc/self/status', 'utf8');
  const g = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)![1]) / 1024);
  return { anon: g('RssAnon'), file: g('RssFile'), hwm: g('VmHWM') };
};
const store = LibraryStore.open(dir, { modelFingerprint: 'x', k: 4, passageOffset: 0, precision: 'fp16', windowTokens: 384, overlapTokens: 64 });
const path = '/tmp/big/line.txt', gen = 'abcdef123456';
await store.beginDocument(path, gen);
const data = new Float32Array(384 * 768).map((_, i) => Math.sin(i));
for (let start = 0; start < total; start += chunk) {
  const passages = [], states = [];
  for (let i = start; i < Math.min(total, start + chunk); i++) {
    const text = `passage ${i} about the river castle ${i % 97} and meadow ${i % 13}`;
    passages.push({ id: passageId(path, i, gen), docPath: path, index: i, text, charStart: 0, charEnd: text.length, tokenCount: 384, ids: [1], offsets: [[0, 1]] as Array<[number, number]> });
    states.push({ data, tokens: 384, hidden: 768 });
  }
  await store.writePassages({ docPath: path, generation: gen, passages, states });
}
console.log('written', JSON.stringify(mem()));
let peakFile = 0;
const timer = setInterval(() => (peakFile = Math.max(peakFile, mem().file)), 50);
const t = Date.now();
await store.abandonDocument(path, gen);
clearInterval(timer);
console.log('dropped', JSON.stringify(mem()), `peak file during drop ${peakFile} MB`, `${((Date.now() - t) / 1000).toFixed(1)} s`, JSON.stringify(store.stats()));
await store.close();
rmSync(dir, { recursive: true, force: true });
