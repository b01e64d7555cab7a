import { createCanvas } from '@napi-rs/canvas';

/**
 * A baseline TIFF (8-bit grey, uncompressed, one strip a page), written by hand so tests need no
 * image library: one page per entry of `pages`, each a white page at `dpi` with lines of black text.
 * Little-endian ('II') unless `bigEndian`.
 */
export function scannedTiff(pages: string[][], dpi = 150, bigEndian = false): Buffer {
  const images = pages.map((lines) => greyPage(lines, dpi));
  const tags = 9;
  const ifdSize = 2 + tags * 12 + 4;
  const size = 8 + images.reduce((sum, img) => sum + ifdSize + img.grey.length, 0);
  const out = Buffer.alloc(size);
  const u16 = (value: number, at: number) => (bigEndian ? out.writeUInt16BE(value, at) : out.writeUInt16LE(value, at));
  const u32 = (value: number, at: number) => (bigEndian ? out.writeUInt32BE(value, at) : out.writeUInt32LE(value, at));
  out.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(42, 2);
  let at = 8;
  u32(at, 4);
  images.forEach((img, i) => {
    const data = at + ifdSize;
    // tag, type (3 SHORT, 4 LONG), value: width, height, 8 bits, no compression, black is zero,
    // strip offset, 1 sample a pixel, rows per strip, strip bytes.
    const entries: Array<[number, number, number]> = [
      [256, 3, img.width], [257, 3, img.height], [258, 3, 8], [259, 3, 1], [262, 3, 1],
      [273, 4, data], [277, 3, 1], [278, 3, img.height], [279, 4, img.grey.length],
    ];
    u16(entries.length, at);
    entries.forEach(([tag, type, value], j) => {
      const e = at + 2 + j * 12;
      u16(tag, e);
      u16(type, e + 2);
      u32(1, e + 4);
      if (type === 3) u16(value, e + 8);
      else u32(value, e + 8);
    });
    const next = i + 1 < images.length ? data + img.grey.length : 0;
    u32(next, at + 2 + entries.length * 12);
    Buffer.from(img.grey).copy(out, data);
    at = data + img.grey.length;
  });
  return out;
}

/** A text page's grey pixels: the top of a letter-size page, enough for a few lines. */
function greyPage(lines: string[], dpi: number): { width: number; height: number; grey: Uint8Array } {
  const width = Math.round(8.5 * dpi);
  const height = Math.round(2.5 * dpi);
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = 'white';
  g.fillRect(0, 0, width, height);
  g.fillStyle = 'black';
  const size = Math.round((12 / 72) * dpi);
  g.font = `${size}px serif`;
  lines.forEach((line, i) => g.fillText(line, dpi, dpi + i * size * 1.5));
  const rgba = g.getImageData(0, 0, width, height).data;
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4];
  return { width, height, grey };
}
