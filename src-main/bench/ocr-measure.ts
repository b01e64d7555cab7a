/**
 * OCR measurements for the README: pages per minute and peak RSS on a generated 40-page scanned
 * PDF, and the character error rate on rendered known text at 150 and 300 dpi, with and without
 * noise. Run: nice -n 15 npx tsx src-main/bench/ocr-measure.ts [pages]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractText } from '../core/text/extract';
import { closeOcr, recognizeImage } from '../core/text/ocr';
import { mixedPdf, scannedPage } from '../core/text/testing-scans';

const LINES = [
  'Darjeeling tea is grown on steep slopes in West Bengal.',
  'The first flush harvest begins in March and ends in April.',
  'Invoice 2041 totals 1,370.50 euros and is due on 3 May 2024.',
  'Each passage is encoded once; only the question is read again.',
  'Quality depends on altitude, rainfall and the picking season.',
];

/** Levenshtein distance over characters, after collapsing whitespace. */
function cer(reference: string, hypothesis: string): number {
  const a = reference.replace(/\s+/g, ' ').trim();
  const b = hypothesis.replace(/\s+/g, ' ').trim();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] / a.length;
}

const pages = Number(process.argv[2] ?? 40);
const dir = await mkdtemp(join(tmpdir(), 'desk-ocr-bench-'));
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
try {
  for (const dpi of [300, 150]) {
    for (const noise of [0, 0.002]) {
      const got = await recognizeImage(scannedPage(LINES, dpi, noise));
      console.log(`CER ${dpi} dpi, noise ${noise}: ${(100 * cer(LINES.join('\n'), got)).toFixed(2)} %`);
    }
  }
  const path = join(dir, 'scan.pdf');
  await writeFile(path, await mixedPdf(Array.from({ length: pages }, (_, i) => ({ scan: [`Page ${i + 1} of the scanned report.`, ...LINES] }))));
  const started = performance.now();
  peakRss = process.memoryUsage().rss;
  const got = await extractText(path, { ocr: { onProgress: (m) => m.endsWith(`/${pages}`) && m.includes(' 1/') && console.log(m) } });
  const minutes = (performance.now() - started) / 60_000;
  const pageCer = cer(LINES.join('\n'), got.text.slice(got.pages![0].charStart, got.pages![0].charEnd).split('\n').slice(1).join('\n'));
  console.log(`${pages} scanned pages at 300 dpi: ${(pages / minutes).toFixed(1)} pages/min, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, page-1 CER ${(100 * pageCer).toFixed(2)} %`);
} finally {
  clearInterval(sampler);
  await closeOcr();
  await rm(dir, { recursive: true, force: true });
}
