import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { squadDevPath, tinyBertDir } from '../testing/paths';
import { loadTokenizer, type BertWordPieceTokenizer } from './tokenizer';

interface Squad {
  data: Array<{ paragraphs: Array<{ context: string; qas: Array<{ answers: Array<{ text: string; answer_start: number }> }> }> }>;
}

const MB = 1_000_000;

describe.runIf(existsSync(squadDevPath))('tokenizer on real text (SQuAD v1.1 dev)', () => {
  let tok: BertWordPieceTokenizer;
  let squad: Squad;
  let megabyte: string;
  beforeAll(async () => {
    tok = await loadTokenizer(tinyBertDir);
    squad = JSON.parse(readFileSync(squadDevPath, 'utf8'));
    megabyte = squad.data.flatMap((a) => a.paragraphs.map((p) => p.context)).join('\n\n').slice(0, MB);
  });

  it('tokenizes 1 MB of English fast, with exactly the library ids', () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { ids, offsets } = tok.tokenize(megabyte);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    console.log(`tokenize, first call: 1 MB of English, ${ids.length} tokens, ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU`);
    // CPU time, generous: the box is shared; a quadratic step would take minutes here.
    expect(cpuSeconds).toBeLessThan(5);
    expect(offsets).toHaveLength(ids.length);
    expect(Array.from(ids)).toEqual(tok.library.encode(megabyte, { add_special_tokens: false }).ids);
  });

  it('stays linear on 1 MB without a single space', () => {
    const text = 'é'.repeat(MB / 2) + 'x'.repeat(MB / 2);
    const cpu = process.cpuUsage();
    const { ids, offsets } = tok.tokenize(text);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1e6).toBeLessThan(5);
    expect(Array.from(ids)).toEqual([tok.unkId]);
    expect(offsets).toEqual([[0, MB]]);
  });

  it('maps every gold answer to tokens whose spans give back the answer (or contain it, when it ends mid-token)', () => {
    let answers = 0;
    let exact = 0;
    for (const article of squad.data) {
      for (const { context, qas } of article.paragraphs) {
        const { offsets } = tok.tokenize(context);
        for (const { text, answer_start: start } of qas.flatMap((q) => q.answers)) {
          const end = start + text.length;
          let first = Infinity;
          let last = -1;
          for (const [s, e] of offsets) {
            if (s < end && e > start) {
              first = Math.min(first, s);
              last = Math.max(last, e);
            }
          }
          const recovered = context.slice(first, last);
          answers++;
          if (recovered === text) exact++;
          else expect(recovered, `${text} in ${recovered}`).toContain(text);
        }
      }
    }
    expect(answers).toBe(34_726);
    expect(exact / answers).toBeGreaterThan(0.995);
  });
});
