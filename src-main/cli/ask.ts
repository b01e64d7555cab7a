/**
 * `ask "<question>" [--db DIR] [--model NAME|DIR] [--mode deformer|full] [--top N] [--answers N]`
 * Answers one question over the app's library (the default data folder, or --db) with its active
 * model, exactly as the app would, and prints the answers with their documents and highlighted
 * contexts; without a model it prints the matching passages instead.
 */
import type { AskResult } from '../core/answer/types';
import { questionsOnlyLibrary } from '../core/backend/questions-only';
import { DeskError } from '../core/errors';
import type { WeightPrecision } from '../core/model/onnx/int8-weights';
import { parseCommand, usageError } from './args';
import { call, deskFlags, deskUsage, openCliDesk, wholeNumber } from './desk';

const usage = [
  'usage: ask "<question>" [--db DIR] [--model NAME|DIR] [--mode deformer|full] [--top N] [--answers N]',
  '       [--upper-weights fp32|int8] [--threads N] [--json]',
  deskUsage,
  '  --top N          passages retrieved and read (default 10); not the number of answers',
  '  --answers N      answers printed at most (default 5)',
  '  --upper-weights  the upper layers\' weights for this run (default: the data folder\'s setting, int8 unless',
  '                   changed): int8 is about 2x faster than fp32, cached states unchanged',
].join('\n');

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      ...deskFlags,
      mode: { type: 'string', default: 'deformer' },
      top: { type: 'string', default: '10' },
      answers: { type: 'string', default: '5' },
      threads: { type: 'string' },
      // The upper layers' weights for this run; the data folder's `weights` setting when not given.
      'upper-weights': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError(usage);
  const mode = values.mode;
  if (mode !== 'deformer' && mode !== 'full') throw new DeskError('BAD_REQUEST', `--mode must be deformer or full, not "${mode}"`);
  const weights = values['upper-weights'];
  if (weights !== undefined && weights !== 'fp32' && weights !== 'int8') throw new DeskError('BAD_REQUEST', `--upper-weights must be fp32 or int8, not "${weights}"`);
  const topPassages = positiveInt(values.top!, '--top');
  const maxAnswers = positiveInt(values.answers!, '--answers');
  const service = await openCliDesk(values, {}, {
    startIndexer: async () => questionsOnlyLibrary(),
    ...(weights ? { upperWeights: weights as WeightPrecision } : {}),
    ...(values.threads ? { threads: positiveInt(values.threads, '--threads') } : {}),
  });
  try {
    const result = await call(service, 'ask', { question: positionals[0], mode, topPassages, maxAnswers });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatResult(result));
    return 0;
  } finally {
    await service.close();
  }
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
  const n = wholeNumber(value, flag);
  if (n < 1) throw new DeskError('BAD_REQUEST', `${flag} must be a whole number ≥ 1, not "${value}"`);
  return n;
}
