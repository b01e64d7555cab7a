import { DeskError } from '../errors';
import { type ArchiveLimits, withArchive } from './archive';
import { htmlToText } from './html-to-text';
import { joinPages } from './paged-text';
import type { ExtractedText } from './types';
import { resolvePart, walkXml } from './xml-parts';

const EPUB = { kind: 'EPUB book', ext: '.epub' };

/**
 * EPUB 2 and 3: the spine's XHTML documents in reading order, each through the HTML extractor;
 * page = position in the spine (a chapter, or a cover or title page, as the book splits them).
 * epub parsers on npm either target browsers or unzip without limits; container.xml, the OPF
 * package and XHTML are all this needs, and archive.ts keeps the limits.
 */
export async function extractEpub(bytes: Uint8Array, limits: ArchiveLimits): Promise<ExtractedText> {
  return withArchive(bytes, EPUB, limits, async (archive) => {
    const container = await archive.readText('META-INF/container.xml');
    let opfPath: string | undefined;
    if (container) {
      walkXml(container, {
        onopentag(name, attrs) {
          if (name.endsWith('rootfile') && attrs['full-path'] && opfPath === undefined) opfPath = attrs['full-path'];
        },
      });
    }
    const opf = opfPath === undefined ? undefined : await archive.readText(opfPath);
    if (opfPath === undefined || opf === undefined) {
      throw new DeskError('EXTRACT_FAILED', 'corrupt EPUB book: META-INF/container.xml does not lead to a package (.opf) file');
    }
    const spine = readSpine(opf, opfPath);
    const encrypted = encryptedParts(await archive.readText('META-INF/encryption.xml'));
    if (spine.some((part) => encrypted.has(part))) throw new DeskError('EXTRACT_ENCRYPTED', 'encrypted EPUB book: its chapters are DRM-protected');
    const pages: Array<{ page: number; text: string }> = [];
    const warnings: string[] = [];
    for (const [i, part] of spine.entries()) {
      const xhtml = await archive.readText(part);
      if (xhtml === undefined) warnings.push(`chapter ${i + 1}: ${part} is missing`);
      pages.push({ page: i + 1, text: xhtml === undefined ? '' : htmlToText(xhtml).text });
    }
    return { ...joinPages(pages), warnings };
  });
}

/** Part paths of the spine's linear items, in reading order. */
function readSpine(opf: string, opfPath: string): string[] {
  const manifest = new Map<string, string>();
  const order: string[] = [];
  walkXml(opf, {
    onopentag(name, attrs) {
      const local = name.replace(/^.*:/, '');
      if (local === 'item' && attrs.id && attrs.href) manifest.set(attrs.id, resolvePart(opfPath, attrs.href));
      else if (local === 'itemref' && attrs.idref && attrs.linear !== 'no') order.push(attrs.idref);
    },
  });
  return order.map((id) => manifest.get(id)).filter((part): part is string => part !== undefined);
}

/**
 * Parts listed as encrypted in META-INF/encryption.xml, except fonts obfuscated by the IDPF or
 * Adobe algorithms: that is not DRM, and fonts are never read here.
 */
function encryptedParts(xml: string | undefined): Set<string> {
  const parts = new Set<string>();
  if (!xml) return parts;
  let algorithm = '';
  walkXml(xml, {
    onopentag(name, attrs) {
      const local = name.replace(/^.*:/, '');
      if (local === 'EncryptionMethod') algorithm = attrs.Algorithm ?? '';
      else if (local === 'CipherReference' && attrs.URI && !/idpf\.org\/2008\/embedding|ns\.adobe\.com\/pdf\/enc#RC/.test(algorithm)) {
        parts.add(resolvePart('', attrs.URI));
      }
    },
  });
  return parts;
}
