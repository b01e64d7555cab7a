import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeskError } from '../errors';
import { extractText } from './extract';
import { bombEntry } from './testing-zips';
import { makeZip, type ZipEntryInput } from './zip-writer';
import { scratchFiles } from './testing-files';

const scratch = scratchFiles('desk-formats-');

const file = scratch.file;

async function failure(name: string, bytes: Uint8Array | string): Promise<DeskError> {
  const err = await extractText(await file(name, bytes)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DeskError)) throw new Error(`expected a DeskError for ${name}, got ${String(err)}`);
  return err;
}

const part = (name: string, text: string, deflate = true): ZipEntryInput => ({ name, data: Buffer.from(text), deflate });

/** The text of page `page` according to the extractor's own page spans. */
function pageText(got: { text: string; pages?: Array<{ page: number; charStart: number; charEnd: number }> }, page: number): string {
  const span = got.pages?.find((p) => p.page === page);
  return span ? got.text.slice(span.charStart, span.charEnd) : '(no such page)';
}

// ---- EPUB ----------------------------------------------------------------------------------

function epub(chapters: Array<[string, string]>, spineOrder: string[], extra: ZipEntryInput[] = []): Buffer {
  const manifest = chapters.map(([id]) => `<item id="${id}" href="text/${id}.xhtml" media-type="application/xhtml+xml"/>`).join('');
  const spine = spineOrder.map((id) => `<itemref idref="${id}"/>`).join('');
  return makeZip([
    part('mimetype', 'application/epub+zip', false),
    part('META-INF/container.xml', '<container><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>'),
    part('OEBPS/content.opf', `<package xmlns="http://www.idpf.org/2007/opf"><manifest>${manifest}</manifest><spine>${spine}</spine></package>`),
    ...chapters.map(([id, body]) => part(`OEBPS/text/${id}.xhtml`, `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>${body}</body></html>`)),
    ...extra,
  ]);
}

describe('extractText: EPUB', () => {
  it('reads chapters in spine order, not archive order; page = chapter', async () => {
    const bytes = epub(
      [
        ['ch2', '<h1>Two</h1><p>The harvest begins in <b>March</b>.</p>'],
        ['ch1', '<h1>One</h1><p>Darjeeling tea grows on slopes.</p>'],
      ],
      ['ch1', 'ch2'],
    );
    const got = await extractText(await file('book.epub', bytes));
    expect(got.text).toBe('One\n\nDarjeeling tea grows on slopes.\n\nTwo\n\nThe harvest begins in March.');
    expect(pageText(got, 1)).toBe('One\n\nDarjeeling tea grows on slopes.');
    expect(pageText(got, 2)).toBe('Two\n\nThe harvest begins in March.');
  });

  it('refuses DRM-encrypted chapters but not obfuscated fonts', async () => {
    const encryption = (algorithm: string, uri: string) =>
      part('META-INF/encryption.xml', `<encryption><EncryptedData><EncryptionMethod Algorithm="${algorithm}"/><CipherData><CipherReference URI="${uri}"/></CipherData></EncryptedData></encryption>`);
    const chapters: Array<[string, string]> = [['ch1', '<p>Text</p>']];
    const drm = await failure('drm.epub', epub(chapters, ['ch1'], [encryption('http://www.w3.org/2001/04/xmlenc#aes128-cbc', 'OEBPS/text/ch1.xhtml')]));
    expect(drm.code).toBe('EXTRACT_ENCRYPTED');
    const fonts = await extractText(await file('fonts.epub', epub(chapters, ['ch1'], [encryption('http://www.idpf.org/2008/embedding', 'OEBPS/fonts/a.otf')])));
    expect(fonts.text).toBe('Text');
  });

  it('reports a book without a package file as corrupt, and one without text as empty', async () => {
    expect((await failure('nopkg.epub', makeZip([part('mimetype', 'application/epub+zip')]))).code).toBe('EXTRACT_FAILED');
    expect((await failure('blank.epub', epub([['c', '<p>  </p>']], ['c']))).code).toBe('EXTRACT_EMPTY');
    expect((await failure('junk.epub', 'PK not really')).message).toBe(
      'corrupt EPUB book: not a valid zip archive (the file is damaged or is not really a .epub)',
    );
  });
});

// ---- OpenDocument --------------------------------------------------------------------------

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"';

function odf(mime: string, body: string, manifest = '<manifest:manifest/>'): Buffer {
  return makeZip([
    part('mimetype', mime, false),
    part('META-INF/manifest.xml', manifest),
    part('content.xml', `<?xml version="1.0"?><office:document-content ${ODF_NS}><office:body>${body}</office:body></office:document-content>`),
  ]);
}

describe('extractText: OpenDocument', () => {
  it('reads headings, paragraphs, spaces and tables of an .odt, leaving tracked deletions out', async () => {
    const body =
      '<office:text><text:tracked-changes><text:changed-region><text:deletion><text:p>deleted words</text:p></text:deletion></text:changed-region></text:tracked-changes>' +
      '<text:h text:outline-level="1">Annual report</text:h><text:p>Revenue grew<text:s/>by <text:span>12 percent</text:span>.</text:p>' +
      '<table:table><table:table-row><table:table-cell><text:p>Cell A</text:p></table:table-cell><table:table-cell><text:p>Cell B</text:p></table:table-cell></table:table-row></table:table>' +
      '<text:p>Line one<text:line-break/>line two</text:p></office:text>';
    const got = await extractText(await file('report.odt', odf('application/vnd.oasis.opendocument.text', body)));
    expect(got.text).toBe('Annual report\n\nRevenue grew by 12 percent.\n\nCell A\tCell B\n\nLine one\nline two');
    expect(got.pages).toBeUndefined();
  });

  it('makes each .odp slide (with its notes) and each .ods sheet a page', async () => {
    const slides =
      '<office:presentation><draw:page draw:name="1"><draw:frame><draw:text-box><text:p>Welcome</text:p></draw:text-box></draw:frame></draw:page>' +
      '<draw:page draw:name="2"><draw:frame><draw:text-box><text:p>Results</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>Mention the harvest.</text:p></draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation>';
    const odp = await extractText(await file('deck.odp', odf('application/vnd.oasis.opendocument.presentation', slides)));
    expect(pageText(odp, 1)).toBe('Welcome');
    expect(pageText(odp, 2)).toBe('Results\n\nMention the harvest.');
    const sheets =
      '<office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell><text:p>Tea</text:p></table:table-cell><table:table-cell><text:p>42</text:p></table:table-cell></table:table-row></table:table>' +
      '<table:table table:name="B"><table:table-row><table:table-cell><text:p>Coffee</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>';
    const ods = await extractText(await file('book.ods', odf('application/vnd.oasis.opendocument.spreadsheet', sheets)));
    expect(pageText(ods, 1)).toBe('Tea\t42');
    expect(pageText(ods, 2)).toBe('Coffee');
  });

  it('reports password protection, a missing content.xml and no text', async () => {
    const manifest = '<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>';
    const locked = await failure('locked.odt', odf('application/vnd.oasis.opendocument.text', '', manifest));
    expect(locked.code).toBe('EXTRACT_ENCRYPTED');
    expect(locked.message).toBe('encrypted OpenDocument text: needs a password');
    expect((await failure('nocontent.odt', makeZip([part('mimetype', 'x')]))).code).toBe('EXTRACT_FAILED');
    expect((await failure('blank.odt', odf('application/vnd.oasis.opendocument.text', '<office:text><text:p/></office:text>'))).code).toBe('EXTRACT_EMPTY');
  });
});

// ---- PowerPoint ----------------------------------------------------------------------------

const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function sp(paragraphs: string[]): string {
  return `<p:sp><p:txBody>${paragraphs.map((p) => `<a:p><a:r><a:t>${p}</a:t></a:r></a:p>`).join('')}</p:txBody></p:sp>`;
}

/** Slides listed in `order` (part numbers): the presentation's slide list, not the part names, decides. */
function pptx(slides: Record<number, { text: string[]; notes?: string[] }>, order: number[]): Buffer {
  const entries: ZipEntryInput[] = [
    part('[Content_Types].xml', '<Types/>'),
    part('ppt/presentation.xml', `<p:presentation xmlns:p="p" xmlns:r="${REL}"><p:sldIdLst>${order.map((n) => `<p:sldId id="${255 + n}" r:id="rId${n}"/>`).join('')}</p:sldIdLst></p:presentation>`),
    part('ppt/_rels/presentation.xml.rels', `<Relationships>${order.map((n) => `<Relationship Id="rId${n}" Type="${REL}/slide" Target="slides/slide${n}.xml"/>`).join('')}</Relationships>`),
  ];
  for (const [n, slide] of Object.entries(slides)) {
    entries.push(part(`ppt/slides/slide${n}.xml`, `<p:sld xmlns:a="a" xmlns:p="p"><p:cSld><p:spTree>${sp(slide.text)}</p:spTree></p:cSld></p:sld>`));
    if (slide.notes) {
      entries.push(part(`ppt/slides/_rels/slide${n}.xml.rels`, `<Relationships><Relationship Id="rId2" Type="${REL}/notesSlide" Target="../notesSlides/notesSlide${n}.xml"/></Relationships>`));
      entries.push(
        part(
          `ppt/notesSlides/notesSlide${n}.xml`,
          `<p:notes xmlns:a="a" xmlns:p="p"><p:cSld><p:spTree>${sp(slide.notes)}<p:sp><p:txBody><a:p><a:fld type="slidenum"><a:t>${n}</a:t></a:fld></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>`,
        ),
      );
    }
  }
  return makeZip(entries);
}

describe('extractText: PowerPoint (.pptx)', () => {
  it('reads slide text then notes, page = position in the slide list, without the notes page number', async () => {
    const bytes = pptx({ 1: { text: ['Closing'] }, 2: { text: ['Harvest plan', 'First flush in March'], notes: ['Say the dates twice.'] } }, [2, 1]);
    const got = await extractText(await file('deck.pptx', bytes));
    expect(pageText(got, 1)).toBe('Harvest plan\n\nFirst flush in March\n\nSay the dates twice.');
    expect(pageText(got, 2)).toBe('Closing');
    expect(got.text).not.toMatch(/\b2\b/);
  });

  it('reports a file without a presentation part as corrupt, and one without text as empty', async () => {
    expect((await failure('nopres.pptx', makeZip([part('[Content_Types].xml', '<Types/>')]))).code).toBe('EXTRACT_FAILED');
    expect((await failure('blank.pptx', pptx({ 1: { text: [' '] } }, [1]))).code).toBe('EXTRACT_EMPTY');
  });

  it('goes through the archive limits', async () => {
    const bomb = makeZip([bombEntry('ppt/presentation.xml', '<p:presentation>', 1024, '</p:presentation>', 1000)]);
    expect((await failure('bomb.pptx', bomb)).code).toBe('EXTRACT_TOO_LARGE');
  });
});

// ---- RTF -----------------------------------------------------------------------------------

describe('extractText: RTF', () => {
  it('reads paragraphs, code-page bytes, \\u characters and field results; skips fonts, pictures and \\* destinations', async () => {
    const rtf =
      '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times New Roman;}}{\\colortbl;\\red0\\green0\\blue0;}' +
      '{\\*\\generator Writer;}{\\info{\\title Secret title}}\\pard\\plain\\f0 Caf\\\'e9 in Z\\u252?rich\\par\n' +
      'The harvest begins in {\\b March}.\\line Next line\\par{\\pict\\pngblip 89504e47}' +
      '{\\field{\\*\\fldinst HYPERLINK "http://x"}{\\fldrslt the link}}\\tab end\\par}';
    const got = await extractText(await file('notes.rtf', rtf));
    expect(got.text).toBe('Café in Zürich\n\nThe harvest begins in March.\nNext line\n\nthe link\tend');
    expect(got.warnings).toEqual([]);
  });

  it('decodes bytes in the declared code page (Cyrillic, 1251)', async () => {
    const got = await extractText(await file('ru.rtf', "{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2\\par}"));
    expect(got.text).toBe('Привет');
  });

  it('reports a non-RTF file, an empty one, and warns on a truncated one', async () => {
    expect((await failure('fake.rtf', 'just text')).code).toBe('EXTRACT_FAILED');
    expect((await failure('blank.rtf', '{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\par}')).code).toBe('EXTRACT_EMPTY');
    const cut = await extractText(await file('cut.rtf', '{\\rtf1\\ansi Half a sentence'));
    expect(cut.text).toBe('Half a sentence');
    expect(cut.warnings[0]).toMatch(/truncated/);
  });
});
