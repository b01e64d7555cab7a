/**
 * Store-only memory check of a long document's write (README "One huge document"):
 * `npx tsx src-main/bench/store-write.ts [N=4000] [CHUNK=128] [DIR]` writes N passages of SQuAD
 * text (term index included) with fp16 states (384 tokens at hidden 768) under one generation,
 * CHUNK per transaction, through LibraryStore, and prints this process's RssAnon / RssFile / VmHWM
 * every ~2,048 passages. No model: the store's own share of the indexer's memory, in minutes.
 * NOSTATES=1 writes passages and terms only.
 */
import { readFileSync, rmSync } from 'node:fs';
import { LibraryStore } from '../core/store/store';
import { passageId } from '../core/store/cache-key';
import { loadSquad } from '../core/eval/squad-data';
import { squadDevPath } from '../core/testing/paths';

const total = Number(process.argv[2] ?? 4000);
const chunk = Number(process.argv[3] ?? 128);
const dir = process.argv[4] ?? '/tmp/store-mem';
rmSync(dir, { recursive: true, force: true });
const mem = () => {
  const s = readFileSync('/proc/self/status', 'utf8');
  const g = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)![1]) / 1024);
  return { anon: g('RssAnon'), file: g('RssFile'), hwm: g('VmHWM') };
};
const words = loadSquad(squadDevPath).paragraphs.map((p) => p.context.replace(/\s+/g, ' ')).join(' ').split(' ');
const store = LibraryStore.open(dir, { modelFingerprint: 'x', k: 4, passageOffset: 0, precision: 'fp16', windowTokens: 384, overlapTokens: 128 });
const path = '/tmp/big/line.txt', gen = 'abcdef123456';
await store.beginDocument(path, gen);
const data = new Float32Array(384 * 768).map((_, i) => Math.sin(i));
const t0 = Date.now();
let w = 0;
for (let start = 0; start < total; start += chunk) {
  const passages = [], states = [];
  for (let i = start; i < Math.min(total, start + chunk); i++) {
    const text = words.slice((i * 200) % (words.length - 300), ((i * 200) % (words.length - 300)) + 290).join(' ');
    passages.push({ id: passageId(path, i, gen), docPath: path, index: i, text, charStart: i * 1000, charEnd: i * 1000 + text.length, tokenCount: 384,
      ids: Array.from({ length: 384 }, (_, j) => 1000 + ((i * 7 + j * 13) % 20000)), offsets: Array.from({ length: 384 }, (_, j) => [i * 1000 + j * 4, i * 1000 + j * 4 + 3] as [number, number]) });
    if (!process.env.NOSTATES) states.push({ data, tokens: 384, hidden: 768 });
  }
  await store.writePassages({ docPath: path, generation: gen, passages, states });
  if ((start / chunk) % Math.max(1, Math.round(2048 / chunk)) === 0) console.log(start + passages.length, JSON.stringify(mem()), `${((Date.now() - t0) / 1000).toFixed(0)}s`);
}
console.log('end', JSON.stringify(mem()));
await store.close();
