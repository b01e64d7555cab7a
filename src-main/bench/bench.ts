/**
 * `npm run bench -- [--out FILE] [--quick] [--engine] [--index] [--fidelity] [--retrieval] [--answer] [--large [--large-passages N] [--large-docs LIST]] [--load]`
 * Runs the chosen sections (all but `large` and `load` when none is named: they index a 50 MB file / hold the machine for 90 s), prints a table per section and
 * writes one JSON document. Speed targets live here, never in timed unit tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommand } from '../cli/args';
import { withLargeBufferMalloc } from '../core/index/malloc-env';

// The indexer process runs with these malloc settings (malloc-env.ts); so does the benchmark, so
// that every raw baseline it measures runs alike. glibc reads them at start-up: start again with them.
if (platform() === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: withLargeBufferMalloc(process.env) });
  process.exit(again.status ?? 1);
}

const usage = [
  'usage: npm run bench -- [--out FILE] [--quick] [--engine] [--index] [--fidelity] [--retrieval] [--answer] [--large [--large-passages N] [--large-docs LIST]] [--load] [--size-speed [--library-passages N]] [--work-dir DIR]',
  '  sections (all when none is named): --engine full vs DeFormer per question; --index end-to-end indexing;',
  '  --fidelity cache precision; --retrieval BM25 recall on SQuAD; --answer answering over a 10k-passage library',
  '  --load 200 clients asking the web shell for 30 s (loopback; BUSY, latency, memory);',
  '  --large (only when named) peak memory and tokens/s on huge documents; --large-passages N stops each after N passages;',
  '  --large-docs LIST which of txt-50mb,pdf-100mb,pdf-2000p (default all)',
  '  --size-speed (only when named) weights × state codecs on the built-in model, then a --library-passages N library (100000; 0 skips)',
  '  --quick fewer rounds; --out FILE the JSON report; --work-dir DIR where checkpoints and libraries are kept (.cache/bench)',
].join('\n');

const parsed = parseCommand(usage, {
  args: process.argv.slice(2),
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    engine: { type: 'boolean', default: false },
    index: { type: 'boolean', default: false },
    retrieval: { type: 'boolean', default: false },
    answer: { type: 'boolean', default: false },
    fidelity: { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    load: { type: 'boolean', default: false },
    'large-passages': { type: 'string' },
    'large-docs': { type: 'string' },
    'size-speed': { type: 'boolean', default: false },
    'library-passages': { type: 'string', default: '100000' },
    'work-dir': { type: 'string' },
  },
});
if (typeof parsed === 'number') process.exit(parsed);
const { values } = parsed;

const all = ['engine', 'index', 'fidelity', 'retrieval', 'answer'] as const;
const named = [...all, 'large' as const, 'load' as const, 'size-speed' as const].filter((s) => values[s]);
const sections = named.length > 0 ? named : all;
// Random full-size checkpoints and bench libraries are big: keep them between runs.
const workDir = resolve(values['work-dir'] ?? join(import.meta.dirname, '../../.cache/bench'));
mkdirSync(workDir, { recursive: true });
const log = (line: string) => console.log(line);
const quick = values.quick ?? false;

const report: Record<string, unknown> = {
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
    date: new Date().toISOString(),
    quick,
  },
};

for (const section of sections) {
  log(`\n== ${section} ==`);
  if (section === 'engine') {
    const { runEngineBench } = await import('./engine-bench');
    const { rows, parts } = await runEngineBench({ quick, workDir, log });
    report.engine = rows;
    report.engineParts = parts;
  } else if (section === 'index') {
    const { runIndexBench } = await import('./index-bench');
    report.index = await runIndexBench({ quick, workDir, log });
  } else if (section === 'fidelity') {
    const { runFidelityBench } = await import('./fidelity-bench');
    report.fidelity = await runFidelityBench({ quick, workDir, log });
  } else if (section === 'large') {
    const { runLargeBench, largeDocuments } = await import('./large-bench');
    const cap = values['large-passages'] === undefined ? undefined : Number(values['large-passages']);
    const documents = values['large-docs']?.split(',') as Array<(typeof largeDocuments)[number]> | undefined;
    const unknown = documents?.find((d) => !largeDocuments.includes(d));
    if ((cap !== undefined && !(Number.isInteger(cap) && cap > 0)) || unknown) {
      console.error(`--large-passages takes a positive whole number; --large-docs a list of ${largeDocuments.join(', ')}\n${usage}`);
      process.exit(2);
    }
    report.large = await runLargeBench({ quick, workDir, log, passageCap: cap, documents });
  } else if (section === 'load') {
    const { runLoadBench, loadModel } = await import('./load-bench');
    report.load = await runLoadBench({ workDir, log });
    report.loadSetup = { model: loadModel, documents: 200, transport: 'web shell, loopback HTTP', maxWaitingQuestions: (await import('../core/answer/ask-queue')).defaultMaxWaiting };
  } else if (section === 'size-speed') {
    const { runSizeSpeedBench } = await import('./size-speed-bench');
    report.sizeSpeed = await runSizeSpeedBench({ quick, workDir, log });
    if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
    const passages = Number(values['library-passages']);
    if (passages > 0) {
      const { runLibraryBench } = await import('./library-bench');
      report.library100k = await runLibraryBench({ passages, workDir, log });
    }
  } else if (section === 'retrieval') {
    const { runRetrievalBench } = await import('./retrieval-bench');
    report.retrieval = await runRetrievalBench({ workDir, log });
  } else {
    const { runAnswerBench } = await import('./answer-bench');
    report.answer = await runAnswerBench({ quick, workDir, log });
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n'); // partial results survive a later failure
}

const json = JSON.stringify(report, null, 2);
if (values.out) {
  writeFileSync(values.out, json + '\n');
  log(`\nwrote ${values.out}`);
} else {
  log(`\n${json}`);
}
