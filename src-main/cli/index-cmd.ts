/**
 * `index <folder> --db <dir>`: adds the folder to the library at <dir>, indexes it with a
 * progress line, prints failures and a summary. `--watch` keeps watching until Ctrl-C;
 * `--verbose` prints each document as it is stored.
 */
import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DeskError } from '../core/errors';
import { Library } from '../core/index/library';
import { defaultIndexSettings } from '../core/index/settings';
import type { IndexEvent, IndexSettings } from '../core/index/types';
import { defaultK, readConfig } from '../core/model/config';
import { defaultSettings } from '../core/settings';
import type { ProviderName } from '../core/model/types';
import type { Precision } from '../core/store/types';
import { ProgressLine } from './index-progress';
import { parseCommand, usageError } from './args';

const usage =
  'usage: index <folder> --db <dir> [--model DIR] [--k K] [--precision fp32|fp16|int8|int4|int3] [--weights int8|fp32] [--watch]\n' +
  '       [--window W] [--overlap O] [--batch N] [--max-mb MB] [--provider auto|cpu|cuda|...] [--threads N]\n       [--cache-dir DIR] [--quiet] [--verbose]';

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      model: { type: 'string' },
      k: { type: 'string' },
      precision: { type: 'string' },
      // The lower pass's weights; the default is the app's (core/settings.ts).
      weights: { type: 'string', default: defaultSettings.weights },
      provider: { type: 'string' },
      threads: { type: 'string' },
      window: { type: 'string' },
      overlap: { type: 'string' },
      batch: { type: 'string' },
      'max-mb': { type: 'string' },
      'cache-dir': { type: 'string' },
      watch: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.db) return usageError(usage);
  const folder = resolve(positionals[0]);
  const dbDir = resolve(values.db);
  const model = values.model ? resolve(values.model) : null;
  const settings: IndexSettings = {
    maxFileBytes: values['max-mb'] ? number(values['max-mb'], '--max-mb') * 1024 * 1024 : defaultIndexSettings.maxFileBytes,
    windowTokens: values.window ? int(values.window, '--window') : defaultIndexSettings.windowTokens,
    overlapTokens: values.overlap ? int(values.overlap, '--overlap') : defaultIndexSettings.overlapTokens,
    precision: precision(values.precision),
    weights: weightsFlag(values.weights!),
    batchSize: values.batch ? int(values.batch, '--batch') : defaultIndexSettings.batchSize,
  };

  const started = Date.now();
  let encodedTokens = 0;
  const progress = new ProgressLine(process.stderr, values.quiet);
  const library = await Library.open(
    {
      dbDir,
      model,
      k: values.k ? int(values.k, '--k') : model ? defaultK(readConfig(model)) : 0,
      provider: values.provider as ProviderName | undefined,
      threads: values.threads ? int(values.threads, '--threads') : undefined,
      cacheDir: values['cache-dir'] ? resolve(values['cache-dir']) : join(dbDir, 'graphs'),
      settings,
      watch: values.watch,
    },
    {
      onEvent: (event: IndexEvent) => {
        if (event.type === 'documentIndexed') encodedTokens += event.tokens;
        if (event.type === 'documentFailed') progress.note(`${event.status.padEnd(7)} ${event.path}: ${event.reason} [${event.code}]`);
        if (event.type === 'documentRemoved' && values.watch) progress.note(`removed ${event.path}`);
        if (event.type === 'documentIndexed' && (values.watch || values.verbose)) progress.note(`indexed ${event.path} (${event.passages} passages)`);
        if (event.type === 'indexProgress') progress.update(event.folders.find((f) => f.folder === progressFolder) ?? event.folders[0], event.paused);
      },
    },
  );
  let progressFolder = folder;
  try {
    await library.addFolder(folder);
    // The library keeps folders by their real path (symlinks resolved).
    progressFolder = await realpath(folder);
    await library.whenIdle();
    progress.done();
    const seconds = (Date.now() - started) / 1000;
    printSummary(library, progressFolder, await library.stats(), encodedTokens, seconds, model !== null);
    if (!values.watch) return 0;
    console.log('watching for changes; Ctrl-C to stop');
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    return 0;
  } finally {
    await library.close();
  }
}

function printSummary(
  library: Library,
  folder: string,
  stats: Awaited<ReturnType<Library['stats']>>,
  encodedTokens: number,
  seconds: number,
  hasModel: boolean,
): void {
  const docs = library.documents(folder);
  const count = (status: string) => docs.filter((d) => d.status === status).length;
  const problems = docs.filter((d) => d.status === 'failed' || d.status === 'skipped');
  if (problems.length > 0) {
    console.log(`\nnot indexed (${problems.length}):`);
    for (const d of problems) console.log(`  ${d.status.padEnd(7)} ${d.path}: ${d.reason ?? ''} [${d.code ?? ''}]`);
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const perSecond = seconds > 0 ? encodedTokens / seconds : 0;
  console.log(
    `\n${folder}: ${docs.length} documents: ${count('done')} done, ${count('failed')} failed, ${count('skipped')} skipped (${seconds.toFixed(1)} s)`,
  );
  console.log(
    `library: ${fmt(stats.documents)} documents, ${fmt(stats.passages)} passages, ${fmt(stats.storedTokens)} stored tokens, ${fmt(stats.documentTokens)} document tokens`,
  );
  console.log(`this run: ${fmt(encodedTokens)} tokens encoded, ${fmt(perSecond)} tokens/s`);
  if (stats.stateBytes > 0) {
    const perStored = stats.storedTokens > 0 ? stats.stateBytes / stats.storedTokens : 0;
    const perDocument = stats.documentTokens > 0 ? stats.stateBytes / stats.documentTokens : 0;
    console.log(
      `cache: ${(stats.stateBytes / 1024 / 1024).toFixed(1)} MB of lower states, ${fmt(perStored)} bytes per stored token, ${fmt(perDocument)} bytes per document token`,
    );
  } else if (hasModel) {
    console.log('cache: no lower states yet (no document was indexed)');
  } else {
    console.log('cache: no lower states (no model installed: passage search only)');
  }
}


function weightsFlag(value: string): 'fp32' | 'int8' {
  if (value === 'fp32' || value === 'int8') return value;
  throw new DeskError('BAD_REQUEST', `--weights must be int8 or fp32, not "${value}"`);
}

function precision(value: string | undefined): Precision {
  if (value === undefined) return defaultIndexSettings.precision;
  if (value === 'fp32' || value === 'fp16' || value === 'int8' || value === 'int4' || value === 'int3') return value;
  throw new DeskError('BAD_REQUEST', `--precision must be fp32, fp16, int8, int4 or int3, not "${value}"`);
}

function int(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new DeskError('BAD_REQUEST', `${flag} must be a whole number, not "${value}"`);
  return n;
}

function number(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new DeskError('BAD_REQUEST', `${flag} must be a positive number, not "${value}"`);
  return n;
}
