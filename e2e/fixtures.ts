/**
 * A small library of real documents for the end-to-end tests, one per supported type, each about
 * its own subject (so retrieval has one right document per question), plus one broken PDF.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A question, the words that make its passage retrievable, and the file holding them. */
export interface FixtureQuestion {
  question: string;
  file: string;
}

export const texts = {
  giraffes:
    'Giraffes are the tallest land animals on Earth. An adult giraffe stands up to 5.7 metres tall and ' +
    'browses the savanna of eastern Africa. Giraffes eat acacia leaves, stripping them from thorny branches ' +
    'with a prehensile tongue nearly half a metre long.',
  volcano:
    'Mount Etna on the island of Sicily is one of the most active volcanoes in the world. Its eruptions ' +
    'produce basalt lava flows that have reached the town of Catania. The summit rises about 3,350 metres ' +
    'above the Mediterranean Sea.',
  lighthouse:
    'The Fresnel lens was invented by the French physicist Augustin-Jean Fresnel in 1822. Lighthouse keepers ' +
    'trimmed the wick of the lamp every night so the beam could be seen by ships thirty kilometres away.',
  tea1: 'A short history of tea. Tea leaves are picked by hand in the hills.',
  tea2:
    'Darjeeling tea is grown in the foothills of the Himalayas in West Bengal. The first flush harvest ' +
    'begins in March and gives a light muscatel flavour that buyers prize above the later pickings.',
  bees:
    'Honey bees live in colonies ruled by a single queen. Worker bees build the honeycomb from wax and ' +
    'carry pollen between flowers, which makes pollination of orchards and almond groves possible.',
};

export const questions: FixtureQuestion[] = [
  { question: 'What do giraffes eat on the savanna?', file: 'giraffes.txt' },
  { question: 'When does the Darjeeling first flush harvest begin?', file: 'tea.pdf' },
  { question: 'Who invented the Fresnel lens for lighthouses?', file: 'lighthouse.html' },
  { question: 'What do worker bees build the honeycomb from?', file: 'bees.docx' },
  { question: 'Which town did the basalt lava of Mount Etna reach?', file: 'volcano.md' },
];

async function pdf(pages: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = doc.addPage([595, 842]);
    // pdf-lib does not wrap: cut the text into lines of about 80 characters.
    const lines = text.match(/.{1,80}(\s|$)/g) ?? [text];
    lines.forEach((line, i) => page.drawText(line.trim(), { x: 50, y: 780 - i * 16, size: 11, font }));
  }
  return doc.save();
}

async function docx(paragraphs: string[]): Promise<Buffer> {
  const doc = new Document({ sections: [{ children: paragraphs.map((p) => new Paragraph({ children: [new TextRun(p)] })) }] });
  return Packer.toBuffer(doc);
}

/** Writes the documents into `dir` (created); resolves to the folder. */
export async function writeLibrary(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'giraffes.txt'), texts.giraffes);
  writeFileSync(join(dir, 'volcano.md'), `# Mount Etna\n\n${texts.volcano}\n`);
  writeFileSync(
    join(dir, 'lighthouse.html'),
    `<!doctype html><html><head><title>Lighthouses</title><script>var x = 1;</script></head><body><h1>Lighthouses</h1><p>${texts.lighthouse}</p></body></html>`,
  );
  writeFileSync(join(dir, 'tea.pdf'), await pdf([texts.tea1, texts.tea2]));
  writeFileSync(join(dir, 'bees.docx'), await docx([texts.bees]));
  writeFileSync(join(dir, 'broken.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n');
  return dir;
}
