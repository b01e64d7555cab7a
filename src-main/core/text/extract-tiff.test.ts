import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError } from '../errors';
import { extractText, isSupportedPath } from './extract';
import { tiffPageCount } from './extract-tiff';
import { closeOcr } from './ocr';
import { scannedTiff } from './testing-tiff';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-tiff-'));
});
afterAll(async () => {
  await closeOcr();
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string, ocr = true): Promise<DeskError> {
  const err = await extractText(path, ocr ? { ocr: {} } : {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeskError);
  return err as DeskError;
}

describe('TIFF images (OCR)', () => {
  it('reads a TIFF (.tif and .tiff, either byte order) by OCR and says so', { timeout: 120_000 }, async () => {
    expect(isSupportedPath('/scans/fax.TIF')).toBe(true);
    const little = join(dir, 'fax.tif');
    await writeFile(little, scannedTiff([['Receipt for the copper kettle.']]));
    const got = await extractText(little, { ocr: {} });
    expect(got.text).toBe('Receipt for the copper kettle.');
    expect(got).toMatchObject({ ocrPages: 1, warnings: ['OCR: text read from the image'] });
    const big = join(dir, 'letter.tiff');
    await writeFile(big, scannedTiff([['The meadow is green.']], 150, true));
    expect((await extractText(big, { ocr: {} })).text).toBe('The meadow is green.');
  });

  it('reads the first page of a multi-page TIFF and says the rest were not read', { timeout: 120_000 }, async () => {
    const path = join(dir, 'pages.tiff');
    await writeFile(path, scannedTiff([['Page one of the fax.'], ['Page two of the fax.'], ['Page three.']]));
    const got = await extractText(path, { ocr: {} });
    expect(got.text).toBe('Page one of the fax.');
    expect(got.warnings).toContain('TIFF: only the first of its 3 pages was read');
  });

  it('gives a typed failure for a corrupt TIFF, and skips TIFFs with a reason when OCR is off', { timeout: 120_000 }, async () => {
    const good = scannedTiff([['Some words.']]);
    const notTiff = join(dir, 'renamed.tif');
    await writeFile(notTiff, Buffer.from('GIF89a this is not a tiff at all'));
    expect(await failure(notTiff)).toMatchObject({ code: 'EXTRACT_FAILED', message: 'corrupt TIFF image: not a TIFF file (bad header)' });
    const truncated = join(dir, 'truncated.tif');
    await writeFile(truncated, good.subarray(0, 200)); // the header and directory, no pixels
    expect(await failure(truncated)).toMatchObject({ code: 'EXTRACT_FAILED', message: 'corrupt TIFF image: its pixels could not be decoded' });
    const lostDirectory = join(dir, 'lost.tif');
    await writeFile(lostDirectory, good.subarray(0, 60));
    expect(await failure(lostDirectory)).toMatchObject({ code: 'EXTRACT_FAILED', message: 'corrupt TIFF image: a page directory lies outside the file (truncated?)' });
    const off = join(dir, 'off.tif');
    await writeFile(off, good);
    expect(await failure(off, false)).toMatchObject({ code: 'EXTRACT_EMPTY', message: 'images are read only by OCR, which is off in Settings' });
  });

  it('counts pages, refuses loops and BigTIFF by name', () => {
    expect(tiffPageCount(scannedTiff([['a'], ['b']], 20))).toBe(2);
    const looping = Buffer.from(scannedTiff([['a']], 20));
    looping.writeUInt32LE(8, 8 + 2 + 9 * 12); // the next directory is the first one again
    expect(() => tiffPageCount(looping)).toThrow('corrupt TIFF image: its page directories loop');
    const big = Buffer.from([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => tiffPageCount(big)).toThrow(/BigTIFF images are not supported/);
  });
});
