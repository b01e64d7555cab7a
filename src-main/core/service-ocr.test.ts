import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from './contract';
import { DeskService } from './service';
import { mixedPdf, scannedPage } from './text/testing-scans';

/** The OCR switch through the real service and its forked indexer, on generated scans. */

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

interface Doc {
  path: string;
  status: string;
  code?: string;
  reason?: string;
  passages: number;
  ocrPages?: number;
}

describe('Settings → OCR', () => {
  let root: string;
  let docs: string;
  let service: DeskService;
  const documents = async () => (value(await service.handle('indexing.documents', {})) as { documents: Doc[] }).documents;
  const byName = async () => Object.fromEntries((await documents()).map((d) => [d.path.slice(docs.length + 1), d]));

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-service-ocr-'));
    docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'letter.pdf'), await mixedPdf([{ scan: ['The boiler was serviced on 14 June.'] }], 150));
    writeFileSync(join(docs, 'receipt.png'), scannedPage(['Receipt for the copper kettle.'], 150));
    writeFileSync(join(docs, 'notes.txt'), 'Plain notes about the garden.');
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), builtinModelDir: null, checkResponses: true, watch: false, threads: 1 });
  });

  afterAll(async () => {
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('with OCR off, a scan and an image give "no text found", and say OCR is off', async () => {
    value(await service.handle('settings.update', { ocr: false }));
    value(await service.handle('folders.add', { path: docs }));
    await service.whenIdle();
    const d = await byName();
    expect(d['letter.pdf']).toMatchObject({ code: 'EXTRACT_EMPTY', passages: 0 });
    expect(d['receipt.png']).toMatchObject({ code: 'EXTRACT_EMPTY', passages: 0 });
    expect(d['notes.txt']).toMatchObject({ status: 'done', passages: 1 });
    expect(d['letter.pdf'].ocrPages).toBeUndefined();
    expect(d['letter.pdf'].reason).toMatch(/OCR is off in Settings/);
    expect(d['receipt.png'].reason).toMatch(/OCR, which is off in Settings/);
  });

  it('turning OCR on reads them again, says they were read by OCR, and finds their words', { timeout: 180_000 }, async () => {
    value(await service.handle('settings.update', { ocr: true }));
    await service.whenIdle();
    const d = await byName();
    expect(d['letter.pdf']).toMatchObject({ status: 'done', ocrPages: 1 });
    expect(d['receipt.png']).toMatchObject({ status: 'done', ocrPages: 1 });
    expect(d['notes.txt'].ocrPages).toBeUndefined();
    const ask = value(await service.handle('ask', { question: 'when was the boiler serviced' })) as { passages: Array<{ docPath: string; text: string }> };
    expect(ask.passages[0].docPath).toBe(join(docs, 'letter.pdf'));
    expect(ask.passages[0].text).toMatch(/boiler was serviced on 14 June/);
  });

  it('turning OCR off keeps what OCR read', async () => {
    value(await service.handle('settings.update', { ocr: false }));
    await service.whenIdle();
    const d = await byName();
    expect(d['letter.pdf']).toMatchObject({ status: 'done', ocrPages: 1 });
    expect(d['receipt.png']).toMatchObject({ status: 'done', ocrPages: 1 });
  });
});
