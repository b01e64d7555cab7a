import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { extractText } from './extract';
import { scratchFiles } from './testing-files';

/**
 * Inputs whose shape, not size, breaks parsers: one block of many MB, nesting thousands deep.
 * Generated here (never committed). Each must end in text or in a DeskError a person can read,
 * never a stack overflow or an INTERNAL error.
 */
const scratch = scratchFiles('desk-pathological-');

async function extract(name: string, content: string | Uint8Array) {
  return extractText(await scratch.file(name, content));
}

/** ~`bytes` of words with no blank line and no newline at all. */
const oneBlock = (bytes: number) => 'lantern harvest *copper* falcon [glacier] '.repeat(Math.ceil(bytes / 42));

describe('Markdown that marked cannot parse falls back to plain text', () => {
  it('a 20 MB block without a blank line', async () => {
    const got = await extract('block.md', `# Title\n\n${oneBlock(20_000_000)}`);
    expect(got.text.length).toBeGreaterThan(19_000_000);
    expect(got.text).toContain('lantern harvest');
    expect(got.warnings.join(' ')).toMatch(/indexed as plain text/);
  });

  it('a list nested 3,000 levels deep', async () => {
    // Blank lines between items keep every block small: the depth alone must trigger the fallback.
    const md = Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n\n');
    const got = await extract('lists.md', md);
    expect(got.text).toContain('item 2999');
    expect(got.warnings.join(' ')).toMatch(/nested .* indexed as plain text/);
  });

  it('a quote nested 100,000 levels deep', async () => {
    const got = await extract('quotes.md', `${'>'.repeat(100_000)} deep words\n\nafter`);
    expect(got.text).toContain('deep words');
    expect(got.warnings.join(' ')).toMatch(/plain text/);
  });

  it('ordinary Markdown still goes through marked (no warning, markup removed)', async () => {
    const got = await extract('normal.md', `# Heading\n\n${'  '.repeat(40)}- deep but fine\n\nSome **bold** text.`);
    expect(got.warnings).toEqual([]);
    expect(got.text).toContain('Some bold text.');
  });
});

describe('HTML survives pathological nesting and huge blocks (htmlparser2 does not recurse)', () => {
  it('200,000 nested elements: tags stripped, the person told', async () => {
    const got = await extract('nest.html', `<html><body>${'<div><span>'.repeat(100_000)}deep &amp; text${'</span></div>'.repeat(100_000)}</body></html>`);
    expect(got.text).toBe('deep & text');
    expect(got.warnings.join(' ')).toMatch(/nested more than \d+ elements deep/);
  });

  it('1,000 nested elements still go through the parser (script hidden, no warning)', async () => {
    const got = await extract('ok.html', `${'<div>'.repeat(1000)}seen<script>var hidden = 1;</script>${'</div>'.repeat(1000)}`);
    expect(got.text).toBe('seen');
    expect(got.warnings).toEqual([]);
  });

  it('a 20 MB paragraph', async () => {
    const got = await extract('big.html', `<p>${oneBlock(20_000_000)}</p>`);
    expect(got.text.length).toBeGreaterThan(19_000_000);
  });
});

/** A one-page PDF with an extra `body` object (written raw; pdf.js rebuilds a broken xref). */
function rawPdf(content: string, extraPageKeys = ''): string {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> ${extraPageKeys}>>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  return `${out}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
}

describe('PDF with pathological nesting ends in text or a readable failure', () => {
  const text = 'BT /F1 12 Tf 20 200 Td (Hello nested world) Tj ET';

  it('the generated PDF reads when nothing is nested (the builder itself is sound)', async () => {
    expect((await extract('plain.pdf', rawPdf(text))).text).toBe('Hello nested world');
  });

  it('arrays nested 200,000 deep in the content stream', async () => {
    const nested = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    await expectTextOrFailure(() => extract('content.pdf', rawPdf(`${text}\n${nested}`)), 'Hello nested world');
  });

  it('dictionaries nested 200,000 deep in the page object', async () => {
    const nested = `/Deep ${'<< /A '.repeat(200_000)}1${' >>'.repeat(200_000)} `;
    await expectTextOrFailure(() => extract('dict.pdf', rawPdf(text, nested)), 'Hello nested world');
  });
});

/** Either the page's text, or EXTRACT_FAILED with a reason: never INTERNAL, never a crash. */
async function expectTextOrFailure(run: () => Promise<{ text: string }>, want: string): Promise<void> {
  try {
    expect((await run()).text).toContain(want);
  } catch (err) {
    expect(isDeskError(err) && err.code, String(err)).toBe('EXTRACT_FAILED');
    expect((err as Error).message).toMatch(/PDF/);
  }
}
