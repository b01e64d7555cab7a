import { describe, expect, it } from 'vitest';
import { documentNote, pageLabel } from './format';

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

describe('pageLabel (result cards, the viewer)', () => {
  it('names a slide, a chapter or a page by the document type', () => {
    expect(pageLabel('/d/talk.PPTX', 3)).toBe('slide 3');
    expect(pageLabel('/d/deck.odp', 1)).toBe('slide 1');
    expect(pageLabel('/d/book.epub', 12)).toBe('ch. 12');
    expect(pageLabel('/d/scan.pdf', 2)).toBe('p. 2');
    expect(pageLabel('/d.d/notes.odt', 2)).toBe('p. 2');
  });
});
