import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { extractText } from './extract';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-pdf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A PDF whose page i holds the lines pages[i] (an empty array makes a blank page). */
async function makePdf(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([420, 600]);
    lines.forEach((line, i) => page.drawText(line, { x: 40, y: 550 - 20 * i, size: 12, font }));
  }
  return doc.save();
}

/**
 * A hand-written PDF with a Standard security handler (V 1, R 2) whose O/U strings match no
 * password, so even the empty user password fails and pdf.js asks for one.
 */
function encryptedPdf(): Uint8Array {
  const hex32 = (byte: string) => `<${byte.repeat(32)}>`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Filter /Standard /V 1 /R 2 /O ${hex32('A1')} /U ${hex32('B2')} /P -44 >>`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xrefAt = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const id = '<0123456789ABCDEF0123456789ABCDEF>';
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [${id} ${id}] >>\n`;
  pdf += `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function failure(path: string) {
  const err = await extractText(path).then(() => expect.fail('expected extraction to fail'), (e: unknown) => e);
  if (!isDeskError(err)) throw err;
  return err;
}

describe('extractText: PDF', () => {
  it('puts known sentences on their pages, lines in order, pages separated by a blank line', async () => {
    const pages = [
      ['The aardvark sleeps in a burrow.', 'It eats ants at night.'],
      [],
      ['Page three mentions the zebra.', 'Zebras have stripes; cafés serve crème.'],
      ['The last page is short.'],
    ];
    const got = await extractText(await file('animals.pdf', await makePdf(pages)));
    expect(got.warnings).toEqual([]);
    expect(got.pages?.map((p) => p.page)).toEqual([1, 2, 3, 4]);
    pages.forEach((lines, i) => {
      const span = got.pages![i];
      expect(got.text.slice(span.charStart, span.charEnd)).toBe(lines.join('\n'));
    });
    expect(got.pages![1].charStart).toBe(got.pages![1].charEnd); // the blank page is an empty span
    expect(got.text).toBe(
      'The aardvark sleeps in a burrow.\nIt eats ants at night.\n\nPage three mentions the zebra.\n' +
        'Zebras have stripes; cafés serve crème.\n\nThe last page is short.',
    );
  });

  it('maps each sentence of a 20-page PDF to its own page', async () => {
    const sentence = (p: number) => `Sentence number ${p} lives on page ${p} only.`;
    const pages = Array.from({ length: 20 }, (_, i) => [sentence(i + 1), 'Filler line shared by all pages.']);
    const got = await extractText(await file('twenty.pdf', await makePdf(pages)));
    for (let p = 1; p <= 20; p++) {
      const at = got.text.indexOf(sentence(p));
      const span = got.pages!.find((s) => s.charStart <= at && at < s.charEnd);
      expect(span?.page).toBe(p);
    }
  });

  it('joins items drawn on one line with the spaces pdf.js infers from the gaps', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([400, 200]);
    page.drawText('Left', { x: 40, y: 100, size: 12, font });
    page.drawText('right', { x: 120, y: 100, size: 12, font });
    const got = await extractText(await file('gap.pdf', await doc.save()));
    expect(got.text).toBe('Left right');
  });

  it('reports garbage behind a %PDF header as a corrupt PDF with pdf.js\'s reason', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256))]);
    const err = await failure(await file('garbage.pdf', garbage));
    expect(err.code).toBe('EXTRACT_FAILED');
    expect(err.message).toMatch(/^corrupt PDF: \S/);
  });

  it('reports a truncated PDF as corrupt', async () => {
    const whole = await makePdf([['Some text that will be cut off.']]);
    const err = await failure(await file('truncated.pdf', whole.subarray(0, Math.floor(whole.length / 3))));
    expect(err.code).toBe('EXTRACT_FAILED');
    expect(err.message).toMatch(/^corrupt PDF: /);
  });

  it('reports a PDF that needs a password as encrypted', async () => {
    const err = await failure(await file('locked.pdf', encryptedPdf()));
    expect(err.code).toBe('EXTRACT_ENCRYPTED');
    expect(err.message).toBe('encrypted PDF: needs a password');
  });

  it('reports a PDF with no text layer as having no text', async () => {
    const err = await failure(await file('scan.pdf', await makePdf([[], []])));
    expect(err.code).toBe('EXTRACT_EMPTY');
    expect(err.message).toMatch(/no text found.*scanned/);
  });

  it('extracts the same PDF many times in a row (each document is destroyed after use)', async () => {
    const bytes = await makePdf([['Repeat me.'], ['Page two.']]);
    const path = await file('repeat.pdf', bytes);
    for (let i = 0; i < 10; i++) {
      expect((await extractText(path)).text).toBe('Repeat me.\n\nPage two.');
    }
  });

  it('stops between pages when aborted', async () => {
    const path = await file('abort.pdf', await makePdf([['One.'], ['Two.'], ['Three.']]));
    // A signal that turns aborted on its 4th check: before reading, after reading, page 1, page 2.
    let checks = 0;
    const signal = { get aborted() { return ++checks >= 4; } } as AbortSignal;
    const err = await extractText(path, { signal }).catch((e: unknown) => e);
    expect(isDeskError(err, 'CANCELLED')).toBe(true);
    expect(checks).toBe(4);
  });
});
