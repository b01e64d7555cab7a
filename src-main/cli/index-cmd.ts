/**
 * `index <folder> [--db DIR] [--model NAME|DIR]`: adds the folder to the app's library (the
 * default data folder, or --db) and indexes it with the app's settings and active model, as the
 * app would, with a progress line; prints failures and a summary. `--watch` keeps watching until
 * Ctrl-C; `--verbose` prints each document as it is stored. The flags that shape the library's
 * cache (k, precision, weights, W/O, max size) are saved to the data folder's settings, as changing
 * them in the app is: the cache they build is the library every later `ask` and the app read, and a
 * run-only value would leave it unreadable with the saved ones. --model and --provider stay run-only.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Settings } from '../core/contract';
import { Library } from '../core/index/library';
import type { IndexEvent } from '../core/index/types';
import type { DeskService } from '../core/service';
import type { StoreStats } from '../core/store/types';
import { ProgressLine } from './index-progress';
import { parseCommand, usageError } from './args';
import { call, deskFlags, deskUsage, openCliDesk, positiveNumber, precisionFlag, weightsFlag, wholeNumber } from './desk';

const usage = [
  'usage: index <folder> [--db DIR] [--model NAME|DIR] [--k K] [--precision fp32|fp16|int8|int4|int3] [--weights int8|fp32]',
  '       [--watch] [--window W] [--overlap O] [--max-mb MB] [--provider auto|cpu|cuda|...] [--quiet] [--verbose]',
  deskUsage,
  '  --k, --precision, --weights, --window, --overlap, --max-mb  shape the cache: saved to the data folder\'s',
  '                   settings (as the app\'s Settings do; the library re-encodes when they change). Defaults: the settings',
].join('\n');

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      ...deskFlags,
      precision: { type: 'string' },
      weights: { type: 'string' },
      window: { type: 'string' },
      overlap: { type: 'string' },
      'max-mb': { type: 'string' },
      watch: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError(usage);
  const folder = resolve(positionals[0]);
  const saved: Partial<Settings> = {};
  if (values.k !== undefined) saved.k = wholeNumber(values.k, '--k');
  if (values.precision !== undefined) saved.precision = precisionFlag(values.precision);
  if (values.weights !== undefined) saved.weights = weightsFlag(values.weights);
  if (values.window !== undefined) saved.windowTokens = wholeNumber(values.window, '--window');
  if (values.overlap !== undefined) saved.overlapTokens = wholeNumber(values.overlap, '--overlap');
  if (values['max-mb'] !== undefined) saved.maxFileMb = positiveNumber(values['max-mb'], '--max-mb');

  const started = Date.now();
  let encodedTokens = 0;
  const progress = new ProgressLine(process.stderr, values.quiet);
  let progressFolder = folder;
  const onEvent = (event: IndexEvent) => {
    if (event.type === 'documentIndexed') encodedTokens += event.tokens;
    if (event.type === 'documentFailed') progress.note(`${event.status.padEnd(7)} ${event.path}: ${event.reason} [${event.code}]`);
    if (event.type === 'documentRemoved' && values.watch) progress.note(`removed ${event.path}`);
    if (event.type === 'documentIndexed' && (values.watch || values.verbose)) progress.note(`indexed ${event.path} (${event.passages} passages)`);
    if (event.type === 'indexProgress') progress.update(event.folders.find((f) => f.folder === progressFolder) ?? event.folders[0], event.paused);
  };
  // The library runs in this process (its lower pass on an engine thread): `index` is the indexer,
  // so a Ctrl-C or a kill stops the indexing itself, with LMDB's transactions keeping the cache
  // whole. Its events are heard from before its start-up scan, which resumes earlier runs' work.
  const service = await openCliDesk({ ...values, k: undefined }, {}, { watch: values.watch, startIndexer: (options) => Library.open(options, { onEvent }) });
  try {
    // Checked like the app's Settings dialog (a k past the model's layers is refused); a change re-encodes the library.
    if (Object.keys(saved).length > 0) await call(service, 'settings.update', saved);
    // The library keeps folders by their real path (symlinks resolved).
    progressFolder = await realpath(folder).catch(() => folder);
    await call(service, 'folders.add', { path: folder });
    await service.whenIdle();
    progress.done();
    const seconds = (Date.now() - started) / 1000;
    const doctor = await call(service, 'doctor', {});
    const stats = (doctor.cache as { stats: StoreStats } | null)?.stats ?? null;
    const hasModel = doctor.model !== null;
    await printSummary(service, progressFolder, stats, encodedTokens, seconds, hasModel);
    if (!values.watch) return 0;
    console.log('watching for changes; Ctrl-C to stop');
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    return 0;
  } finally {
    await service.close();
  }
}

async function printSummary(
  service: DeskService,
  folder: string,
  stats: StoreStats | null,
  encodedTokens: number,
  seconds: number,
  hasModel: boolean,
): Promise<void> {
  const { documents: docs } = await call(service, 'indexing.documents', { folder });
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
  if (!stats) return;
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

