import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { extractText } from './extract';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-docx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function docxBytes(children: Array<Paragraph | Table>): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children }] }));
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('extractText: Word (.docx)', () => {
  it('keeps headings, runs and table cells as paragraphs separated by blank lines', async () => {
    const bytes = await docxBytes([
      new Paragraph({ text: 'Quarterly report', heading: HeadingLevel.HEADING_1 }),
      new Paragraph({ children: [new TextRun('Revenue grew by '), new TextRun({ text: '12 percent', bold: true }), new TextRun(' in Zürich.')] }),
      new Table({
        rows: [new TableRow({ children: [new TableCell({ children: [new Paragraph('Cell A')] }), new TableCell({ children: [new Paragraph('Cell B')] })] })],
      }),
      new Paragraph('文档 closing line.'),
    ]);
    const got = await extractText(await file('report 文档.docx', bytes));
    expect(got.text).toBe('Quarterly report\n\nRevenue grew by 12 percent in Zürich.\n\nCell A\n\nCell B\n\n文档 closing line.');
    expect(got.pages).toBeUndefined();
  });

  it('reports a corrupt .docx with the reason', async () => {
    const whole = await docxBytes([new Paragraph('text')]);
    for (const [name, bytes] of [
      ['garbage.docx', Buffer.from('this is not a zip archive at all')],
      ['truncated.docx', whole.subarray(0, whole.length >> 1)],
    ] as const) {
      const err = await extractText(await file(name, bytes)).catch((e: unknown) => e);
      expect(isDeskError(err, 'EXTRACT_FAILED'), name).toBe(true);
      expect((err as Error).message).toBe('corrupt Word document: not a valid zip archive (the file is damaged or is not really a .docx)');
    }
  });

  it('reports a document with no text', async () => {
    const err = await extractText(await file('blank.docx', await docxBytes([new Paragraph('')]))).catch((e: unknown) => e);
    expect(isDeskError(err, 'EXTRACT_EMPTY')).toBe(true);
  });
});
