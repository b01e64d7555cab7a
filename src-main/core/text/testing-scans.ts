import { createCanvas } from '@napi-rs/canvas';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A white letter-size page image at `dpi` with `lines` of black text, as PNG: what a scanner makes. */
export function scannedPage(lines: string[], dpi = 300, noise = 0): Buffer {
  const width = Math.round(8.5 * dpi);
  const height = Math.round(11 * dpi);
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = 'white';
  g.fillRect(0, 0, width, height);
  g.fillStyle = 'black';
  const size = Math.round((12 / 72) * dpi); // 12 pt text
  g.font = `${size}px serif`;
  lines.forEach((line, i) => g.fillText(line, dpi, dpi + i * size * 1.5));
  if (noise > 0) {
    // Salt-and-pepper specks, as on a dirty scan; a fixed sequence so runs compare.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < noise * width * height; n++) {
      g.fillStyle = next() < 0.5 ? 'black' : 'white';
      g.fillRect(Math.floor(next() * width), Math.floor(next() * height), 2, 2);
    }
  }
  return canvas.toBuffer('image/png');
}

/** A PDF whose pages are either a real text layer (`{ text }`) or only an image of text (`{ scan }`). */
export async function mixedPdf(pages: Array<{ text: string } | { scan: string[] }>, dpi = 300): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const spec of pages) {
    const page = pdf.addPage([612, 792]);
    if ('text' in spec) page.drawText(spec.text, { x: 72, y: 700, size: 12, font });
    else page.drawImage(await pdf.embedPng(scannedPage(spec.scan, dpi)), { x: 0, y: 0, width: 612, height: 792 });
  }
  return pdf.save();
}
