import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError, isDeskError } from '../errors';
import { Archive, archiveLimits } from './archive';
import { extractText } from './extract';
import { bombEntry } from './testing-zips';
import { makeZip } from './zip-writer';

const FORMAT = { kind: 'Word document', ext: '.docx' };
const xml = (text: string) => Buffer.from(text);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-archive-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<DeskError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DeskError)) throw new Error(`expected a DeskError, got ${String(err)}`);
  return err;
}

describe('Archive: limits checked while inflating', () => {
  it('reads stored and deflated entries', async () => {
    const zip = makeZip([
      { name: 'a.xml', data: xml('<a>stored</a>') },
      { name: 'dir/b.xml', data: xml('<b>deflated</b>'.repeat(50)), deflate: true },
    ]);
    const archive = await Archive.open(zip, FORMAT);
    expect(archive.names()).toEqual(['a.xml', 'dir/b.xml']);
    expect(await archive.readText('a.xml')).toBe('<a>stored</a>');
    expect(await archive.readText('dir/b.xml')).toBe('<b>deflated</b>'.repeat(50));
    expect(await archive.read('missing.xml')).toBeUndefined();
    archive.close();
  });

  it('stops a zip bomb (1 GB of XML declared as 10 KB) after about a megabyte of output', async () => {
    const zip = makeZip([bombEntry('word/document.xml', '<w:document><w:body><w:p><w:r><w:t>', 1024, '</w:t></w:r></w:p></w:body></w:document>', 10_000)]);
    expect(zip.length).toBeLessThan(2 * 1024 * 1024);
    const archive = await Archive.open(zip, FORMAT);
    const err = await failure(archive.read('word/document.xml'));
    archive.close();
    expect(err.code).toBe('EXTRACT_TOO_LARGE');
    expect(err.message).toMatch(/inflates more than 100× its compressed size; it may be a zip bomb/);
    // Aborted early: a few 64 KB chunks past the 1 MB grace, not the gigabyte.
    expect(err.details?.inflatedBytes).toBeGreaterThan(1024 * 1024);
    expect(err.details?.inflatedBytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses the bomb as a .docx with a typed failure, without mammoth ever seeing it', async () => {
    const path = join(dir, 'bomb.docx');
    await writeFile(
      path,
      makeZip([
        { name: '[Content_Types].xml', data: xml('<Types/>') },
        bombEntry('word/document.xml', '<w:document><w:body><w:p><w:r><w:t>', 1024, '</w:t></w:r></w:p></w:body></w:document>', 10_000),
      ]),
    );
    const err = await failure(extractText(path));
    expect(err.code).toBe('EXTRACT_TOO_LARGE');
  });

  it('refuses an honest entry whose declared size is over the total cap before inflating it', async () => {
    const zip = makeZip([bombEntry('big.xml', '<x>', 8, '</x>', 8 * 1024 * 1024 + 7)]);
    const archive = await Archive.open(zip, FORMAT, { ...archiveLimits(), maxTotalBytes: 4 * 1024 * 1024 });
    const err = await failure(archive.read('big.xml'));
    archive.close();
    expect(err.code).toBe('EXTRACT_TOO_LARGE');
    expect(err.details?.inflatedBytes).toBe(8 * 1024 * 1024 + 7); // the declared size: nothing was inflated
  });

  it('caps the total over all entries, counted as they inflate (lying headers included)', async () => {
    const part = () => ({ name: '', data: randomBytes(60_000), deflate: true }); // incompressible: ratio ≈ 1
    const entries = [{ ...part(), name: 'one.xml' }, { ...part(), name: 'two.xml' }].map((e) => ({ ...e }));
    const zip = makeZip(entries);
    // Rewrite the declared sizes to 1 byte, so only the streaming count can notice.
    const lying = Buffer.from(zip);
    for (let i = 0; i <= lying.length - 4; i++) {
      if (lying.readUInt32LE(i) === 0x02014b50) lying.writeUInt32LE(1, i + 24);
    }
    const archive = await Archive.open(lying, FORMAT, { ...archiveLimits(), maxTotalBytes: 100_000 });
    expect((await archive.read('one.xml'))?.length).toBe(60_000);
    const err = await failure(archive.read('two.xml'));
    archive.close();
    expect(err.code).toBe('EXTRACT_TOO_LARGE');
    expect(err.details?.inflatedBytes).toBeLessThanOrEqual(100_000 + 64 * 1024);
  });

  it('ties the total cap to the file-size setting', () => {
    expect(archiveLimits(10 * 1024 * 1024).maxTotalBytes).toBe(40 * 1024 * 1024);
  });

  it('refuses an archive with more entries than the cap before reading any', async () => {
    const zip = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `p${i}.xml`, data: xml('<p/>') })));
    const err = await failure(Archive.open(zip, FORMAT, { ...archiveLimits(), maxEntries: 4 }));
    expect(err.code).toBe('EXTRACT_TOO_LARGE');
    expect(err.message).toBe('too many parts: this Word document has 5 parts (limit 4); it may be a zip bomb');
  });

  it('reports damaged deflate data and non-zips as corrupt', async () => {
    const good = makeZip([{ name: 'a.xml', data: xml('<a>hello hello hello</a>'), deflate: true }]);
    const damaged = Buffer.from(good);
    damaged.fill(0xff, 30 + 'a.xml'.length, 30 + 'a.xml'.length + 4); // the deflate stream's first bytes
    const archive = await Archive.open(damaged, FORMAT);
    const err = await failure(archive.read('a.xml'));
    archive.close();
    expect(err.code).toBe('EXTRACT_FAILED');
    expect(err.message).toMatch(/^corrupt Word document: part "a.xml" is damaged/);
    expect(isDeskError(await failure(Archive.open(Buffer.from('not a zip'), FORMAT)), 'EXTRACT_FAILED')).toBe(true);
  });

  it('tells a password-protected Office file (an OLE container with EncryptionInfo) from an old binary one', async () => {
    const ole = (body: Buffer) => Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504), body]);
    const encrypted = await failure(Archive.open(ole(Buffer.from('EncryptionInfo', 'utf16le')), FORMAT));
    expect(encrypted.code).toBe('EXTRACT_ENCRYPTED');
    expect(encrypted.message).toBe('encrypted Word document: needs a password');
    const old = await failure(Archive.open(ole(Buffer.from('WordDocument', 'utf16le')), FORMAT));
    expect(old.code).toBe('EXTRACT_FAILED');
  });
});
