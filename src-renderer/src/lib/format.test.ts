import { describe, expect, it } from 'vitest';
import { documentNote } from './format';

describe('documentNote (the Library panel)', () => {
  it('says a document was read by OCR, with its pages; a reason for the rest', () => {
    expect(documentNote({ status: 'done', passages: 3, ocrPages: 2 })).toBe('3 passages · read by OCR (2 pages)');
    expect(documentNote({ status: 'done', passages: 1, ocrPages: 1 })).toBe('1 passage · read by OCR (1 page)');
    expect(documentNote({ status: 'done', passages: 4 })).toBe('4 passages');
    expect(documentNote({ status: 'skipped', passages: 0, reason: 'images are read only by OCR, which is off in Settings' })).toBe(
      'images are read only by OCR, which is off in Settings',
    );
    expect(documentNote({ status: 'queued', passages: 0 })).toBe('');
  });
});
