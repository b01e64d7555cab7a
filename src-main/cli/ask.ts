/**
 * `ask "<question>" --db <dir> [--model DIR] [--mode deformer|full] [--top N]`
 * Answers one question over the library at <dir> and prints the answers with their documents and
 * highlighted contexts; without --model it prints the matching passages instead.
 */
import { join, resolve } from 'node:path';
import { Reader } from '../core/answer/reader';
import type { AnswerMode, AskResult } from '../core/answer/types';
import { DeskError } from '../core/errors';
import { Engine } from '../core/model/engine';
import type { WeightPrecision } from '../core/model/onnx/int8-weights';
import { loadTokenizer } from '../core/model/tokenizer';
import type { ProviderName } from '../core/model/types';
import { defaultSettings } from '../core/settings';
import { LibraryStore } from '../core/store/store';
import type { CacheIdentity } from '../core/store/types';
import { parseCommand, usageError } from './args';

const usage = [
  'usage: ask "<question>" --db <dir> [--model DIR] [--mode deformer|full] [--top N] [--answers N]',
  '       [--upper-weights fp32|int8] [--cache-dir DIR] [--provider auto|cpu|cuda|dml|coreml|webgpu] [--json]',
  '  --top N          passages retrieved and read (default 10); not the number of answers',
  '  --answers N      answers printed at most (default 5)',
  '  --upper-weights  int8 runs the upper layers with int8 weights: about 2x faster, cached states unchanged',
  '                   (default: the app setting `weights`); the lower layers follow the library (as it was indexed)',
].join('\n');

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      model: { type: 'string' },
      mode: { type: 'string', default: 'deformer' },
      top: { type: 'string', default: '10' },
      answers: { type: 'string', default: '5' },
      'cache-dir': { type: 'string' },
      provider: { type: 'string' },
      // int8 upper layers: ~2x faster questions, passage states unchanged (README, "Answering").
      'upper-weights': { type: 'string', default: defaultSettings.weights },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.db) return usageError(usage);
  const mode = values.mode;
  if (mode !== 'deformer' && mode !== 'full') throw new DeskError('BAD_REQUEST', `--mode must be deformer or full, not "${mode}"`);
  const dbDir = resolve(values.db);
  const identity = storedIdentity(dbDir);
  const store = LibraryStore.open(dbDir, identity);
  const model = values.model ? resolve(values.model) : null;
  // The same defaults as `index`: graphs under <db>/graphs, k and P as the cache was built.
  const engine = model
    ? await Engine.open(model, {
        k: identity.k,
        passageOffset: identity.passageOffset,
        cacheDir: values['cache-dir'] ? resolve(values['cache-dir']) : join(dbDir, 'graphs'),
        provider: values.provider as ProviderName | undefined,
        weights: upperWeights(values['upper-weights']!),
        // The question's lower layers must match the passages': the library says how they were lowered.
        lowerWeights: identity.lowerWeights ?? 'fp32',
        openFirst: 'ask', // answering only: the lower graph never opens
      })
    : null;
  try {
    const tokenizer = model ? await loadTokenizer(model) : undefined;
    const reader = new Reader({ store, engine, tokenizer });
    const result = await reader.ask(positionals[0], {
      mode: mode as AnswerMode,
      topPassages: positiveInt(values.top!, '--top'),
      maxAnswers: positiveInt(values.answers!, '--answers'),
    });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatResult(result));
    return 0;
  } finally {
    await engine?.close();
    await store.close();
  }
}

function upperWeights(value: string): WeightPrecision {
  if (value === 'fp32' || value === 'int8') return value;
  throw new DeskError('BAD_REQUEST', `--upper-weights must be fp32 or int8, not "${value}"`);
}

/** The identity the library at `dbDir` was indexed with. */
function storedIdentity(dbDir: string): CacheIdentity {
  const identity = LibraryStore.storedIdentity(dbDir);
  if (!identity) throw new DeskError('NOT_FOUND', `No library at ${dbDir}: index a folder into it first (npm run cli -- index <folder> --db ${dbDir}).`);
  return identity;
}

/** Answers (or passages) as plain text, the answer marked «like this» inside its context. */
export function formatResult(r: AskResult): string {
  const lines: string[] = [];
  for (const note of r.notes) lines.push(`note: ${note}`);
  r.answers.forEach((a, i) => {
    const where = `${a.docPath}${a.page !== undefined ? ` p.${a.page}` : ''} [${a.charStart}–${a.charEnd}]`;
    // One line per answer: PDF text keeps its line breaks, a terminal answer must not.
    lines.push(`${i + 1}. ${oneLine(a.text).trim()}   (${a.confidence === 'none' ? 'no confident answer' : a.confidence}, ${(100 * a.probability).toFixed(0)}%, ${where})`);
    const c = a.context;
    lines.push(`   …${oneLine(c.slice(Math.max(0, a.highlightStart - 120), a.highlightStart))}«${oneLine(a.text)}»${oneLine(c.slice(a.highlightEnd, a.highlightEnd + 120))}…`);
  });
  if (r.answers.length === 0) {
    r.passages.forEach((p, i) => {
      let text = '';
      let at = 0;
      for (const [s, e] of p.matches) {
        text += `${p.text.slice(at, s)}[${p.text.slice(s, e)}]`;
        at = e;
      }
      text += p.text.slice(at);
      lines.push(`${i + 1}. ${p.docPath}${p.page !== undefined ? ` p.${p.page}` : ''}   (bm25 ${p.score.toFixed(2)})`);
      lines.push(`   ${oneLine(text).slice(0, 400)}`);
    });
  }
  const t = r.timings;
  lines.push(
    `${r.mode}: ${t.totalMs.toFixed(1)} ms (retrieval ${t.retrievalMs.toFixed(1)}, question ${t.questionMs.toFixed(1)}, ` +
      `cache read ${t.cacheReadMs.toFixed(1)}, upper ${t.upperMs.toFixed(1)})`,
  );
  return lines.join('\n');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new DeskError('BAD_REQUEST', `${flag} must be a whole number ≥ 1, not "${value}"`);
  return n;
}
