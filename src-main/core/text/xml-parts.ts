import { Parser } from 'htmlparser2';

/** Handlers for one pass over an XML part; names keep their prefix ("text:p", "a:t"). */
export interface XmlHandlers {
  onopentag?(name: string, attrs: Record<string, string>): void;
  onclosetag?(name: string): void;
  ontext?(text: string): void;
}

/**
 * Parses an XML part (ODF content.xml, PPTX slides, OPF and container files) with htmlparser2 in
 * XML mode: it is already a dependency, streams, decodes entities and tolerates damage, and these
 * formats need no more than elements, attributes and text. Case and prefixes are kept.
 */
export function walkXml(xml: string, handlers: XmlHandlers): void {
  const parser = new Parser(handlers, { xmlMode: true, decodeEntities: true });
  parser.end(xml);
}

/** Resolves a relative zip path (`../media/x.png`, `slides/slide1.xml`) against the folder of `from`. */
export function resolvePart(from: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const segment of decodeURIComponent(target.split('#')[0]).split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

/** Relationship targets by id from an OOXML `.rels` part (`Id` → resolved part path, `Type`). */
export function readRelationships(relsXml: string | undefined, sourcePart: string): Map<string, { target: string; type: string }> {
  const rels = new Map<string, { target: string; type: string }>();
  if (!relsXml) return rels;
  walkXml(relsXml, {
    onopentag(name, attrs) {
      if (name !== 'Relationship' || !attrs.Id || !attrs.Target || attrs.TargetMode === 'External') return;
      rels.set(attrs.Id, { target: resolvePart(sourcePart, attrs.Target), type: attrs.Type ?? '' });
    },
  });
  return rels;
}
