import { Parser } from 'htmlparser2';
import { decodeEntities } from './decode-entities';
import { tidyText } from './tidy-text';

/** Visible text of an HTML document, and its <title> when it has one. */
export interface HtmlText {
  text: string;
  title?: string;
  /** Set when the markup was too deeply nested to parse: tags were stripped instead (the why, in words). */
  fallback?: string;
}

/**
 * Elements open at once beyond which the file is read as text with its tags stripped.
 * htmlparser2 keeps open elements in an array it shifts on every open and searches on every
 * close, so 100,000 nested elements take minutes; browsers stop nesting at a few hundred.
 */
const maxHtmlDepth = 4096;

/** Elements whose content a reader never sees as text. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'canvas', 'select', 'datalist']);
/** Blocks that end a paragraph: a blank line before and after. */
const PARAGRAPH = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'dl', 'table', 'blockquote', 'pre', 'section',
  'article', 'header', 'footer', 'main', 'nav', 'aside', 'figure', 'form', 'fieldset', 'address', 'details', 'hr',
]);
/** Blocks that only start a new line. */
const LINE = new Set(['div', 'li', 'tr', 'dt', 'dd', 'figcaption', 'summary', 'caption', 'legend', 'center', 'option']);
const CELL = new Set(['td', 'th']);

/**
 * Extracts the text a person would see: no script/style/template/metadata, block elements
 * become line breaks (paragraph-like ones a blank line), table cells are tab-separated,
 * entities are decoded, whitespace collapses as a browser would except inside <pre>.
 */
export function htmlToText(html: string): HtmlText {
  if (nestingDepth(html) > maxHtmlDepth) {
    return { text: tidyText(decodeEntities(stripTags(html))), fallback: `HTML nested more than ${maxHtmlDepth} elements deep: tags stripped` };
  }
  const out = new TextWriter();
  let hiddenDepth = 0; // > 0 while inside a hidden element (counts nested opens)
  let title: string | undefined;
  let inTitle = false;

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (hiddenDepth > 0) return void hiddenDepth++;
        if (HIDDEN.has(name) || 'hidden' in attrs) return void (hiddenDepth = 1);
        if (name === 'title') {
          inTitle = title === undefined;
          if (inTitle) title = '';
        } else if (name === 'br') out.lineBreak();
        else if (PARAGRAPH.has(name)) out.block(2);
        else if (LINE.has(name)) out.block(1);
        else if (CELL.has(name)) out.cell();
        if (name === 'pre') out.preDepth++;
      },
      onclosetag(name) {
        if (hiddenDepth > 0) return void hiddenDepth--;
        if (name === 'title') inTitle = false;
        else if (PARAGRAPH.has(name)) out.block(2);
        else if (LINE.has(name)) out.block(1);
        if (name === 'pre') out.preDepth--;
      },
      ontext(chunk) {
        if (inTitle) title += chunk;
        else if (hiddenDepth === 0) out.text(chunk);
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  const cleanTitle = title?.replace(/\s+/g, ' ').trim();
  return { text: tidyText(out.result()), title: cleanTitle || undefined };
}

/** Most elements open at once, counted from the tags alone (void and self-closed ones excepted), in one pass. */
function nestingDepth(html: string): number {
  let depth = 0;
  let deepest = 0;
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(\/?)>/g)) {
    if (m[1]) depth = Math.max(0, depth - 1);
    else if (!m[3] && !VOID.has(m[2].toLowerCase())) deepest = Math.max(deepest, ++depth);
  }
  return deepest;
}

/** Elements that never have content or a closing tag. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/** Text with every tag (and script/style content) replaced by a space: the fallback for unparsable nesting. */
function stripTags(html: string): string {
  return html.replace(/<(script|style)\b[^>]*>[^<]*/gi, ' ').replace(/<[^<>]*>/g, ' ');
}

/** Appends text with browser-like whitespace: separators are emitted lazily, only before more text. */
export class TextWriter {
  preDepth = 0;
  private out = '';
  private pendingBreaks = 0;
  private pendingSeparator = '';

  text(chunk: string): void {
    if (this.preDepth > 0) {
      this.emitSeparator();
      this.out += chunk.replace(/\r\n?/g, '\n');
      return;
    }
    const collapsed = chunk.replace(/[ \t\n\r\f]+/g, ' ');
    if (collapsed === ' ' || collapsed === '') {
      if (collapsed === ' ') this.space();
      return;
    }
    if (collapsed.startsWith(' ')) this.space();
    this.emitSeparator();
    const core = collapsed.trim();
    this.out += core;
    if (collapsed.endsWith(' ')) this.space();
  }

  /** A block boundary owing `n` newlines (1: new line, 2: blank line); never more than asked. */
  block(n: number): void {
    this.pendingBreaks = Math.max(this.pendingBreaks, n);
  }

  /** <br> adds a newline each time, so two in a row leave a blank line. */
  lineBreak(): void {
    this.pendingBreaks++;
  }

  cell(): void {
    if (this.pendingBreaks === 0) this.pendingSeparator = '\t';
  }

  result(): string {
    return this.out;
  }

  private space(): void {
    if (this.pendingSeparator === '') this.pendingSeparator = ' ';
  }

  private emitSeparator(): void {
    if (this.out !== '') {
      if (this.pendingBreaks > 0) this.out += '\n'.repeat(this.pendingBreaks);
      else this.out += this.pendingSeparator;
    }
    this.pendingBreaks = 0;
    this.pendingSeparator = '';
  }
}
