/**
 * Where OCR's memory goes on the hostile corpus: every PDF of ../shared/data/hostile/pdfs read with
 * OCR on, one after another in this one process (as the indexer reads them), with this process's
 * RssAnon / RssFile sampled every 50 ms around each file, under the indexer's malloc settings. Prints a line per file and writes JSON:
 * pages sent to OCR, the file's peak RSS and its growth over the RSS before it, its outcome
 * (text length, or the error code), and which files give no text at all.
 * Run: nice npx tsx src-main/bench/ocr-hostile.ts [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { isDeskError } from '../core/errors';
import { sharedDir } from '../core/testing/paths';
import { extractText } from '../core/text/extract';
import { closeOcr } from '../core/text/ocr';
import { withLargeBufferMalloc } from '../core/index/malloc-env';

// Measure under the indexer's malloc settings (malloc-env.ts): they change how much freed memory
// the process keeps. glibc reads them at start-up: start again with them.
if (platform() === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: withLargeBufferMalloc(process.env) });
  process.exit(again.status ?? 1);
}

interface FileRow {
  file: string;
  ocrPages: number;
  seconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
  peakAnonMb: number;
  outcome: string;
  textLength: number;
}

const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : undefined;
const folder = join(sharedDir, 'data/hostile/pdfs');
const mb = (field: string, text: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024);
const now = () => {
  const text = readFileSync('/proc/self/status', 'utf8');
  return { rss: mb('VmRSS', text), anon: mb('RssAnon', text), file: mb('RssFile', text) };
};

const rows: FileRow[] = [];
const started = performance.now();
for (const name of readdirSync(folder).sort()) {
  let peak = now();
  const before = peak.rss;
  const timer = setInterval(() => {
    const s = now();
    peak = { rss: Math.max(peak.rss, s.rss), anon: Math.max(peak.anon, s.anon), file: Math.max(peak.file, s.file) };
  }, 50);
  let ocrPages = 0;
  const t0 = performance.now();
  let outcome = 'done';
  let textLength = 0;
  try {
    const result = await extractText(join(folder, name), { maxBytes: 50 * 2 ** 20, ocr: { onProgress: () => ocrPages++ } });
    textLength = result.text.trim().length;
  } catch (err) {
    outcome = isDeskError(err) ? err.code : `THROWN ${String(err)}`;
  }
  clearInterval(timer);
  const row = { file: name, ocrPages, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), rssBeforeMb: before, peakRssMb: peak.rss, peakAnonMb: peak.anon, outcome, textLength };
  rows.push(row);
  console.log(`${name.padEnd(40)} ocr ${String(ocrPages).padStart(3)}  ${String(row.seconds).padStart(6)} s  rss ${before} → peak ${peak.rss} MB (anon ${peak.anon})  ${outcome} ${textLength}`);
}
await closeOcr();
const noText = rows.filter((r) => r.outcome === 'EXTRACT_EMPTY').map((r) => r.file);
const summary = {
  files: rows.length,
  ocrPages: rows.reduce((s, r) => s + r.ocrPages, 0),
  seconds: Number(((performance.now() - started) / 1000).toFixed(0)),
  peakRssMb: Math.max(...rows.map((r) => r.peakRssMb)),
  noText,
  outcomes: Object.fromEntries([...new Set(rows.map((r) => r.outcome))].map((o) => [o, rows.filter((r) => r.outcome === o).length])),
};
console.log(JSON.stringify(summary, null, 2));
if (out) writeFileSync(out, JSON.stringify({ machine: '2-core shared CPU, no GPU', date: new Date().toISOString(), summary, rows }, null, 2) + '\n');
