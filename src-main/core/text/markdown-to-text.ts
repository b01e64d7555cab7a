import { lexer, type Token, type Tokens } from 'marked';
import { decodeEntities } from './decode-entities';
import { htmlToText } from './html-to-text';
import { tidyText } from './tidy-text';

/**
 * Markdown to plain text: walks marked's tokens and keeps what a reader sees. Headings,
 * paragraphs, list items, table rows, quotes and code blocks become blocks separated by blank
 * lines (list items and table rows one per line, cells tab-separated); link and image URLs go,
 * their text and alt text stay; entities are decoded (except inside code, where they are literal).
 */
export function markdownToText(markdown: string): string {
  return tidyText(blocksText(lexer(markdown)));
}

/**
 * Longest run of a Markdown file without a blank line that goes to marked. marked's lexer
 * recurses and backtracks within a block, so a block of many MB (or nesting thousands deep)
 * overflows the stack or stalls; no real document has a paragraph this long.
 */
export const maxMarkdownBlockChars = 1 << 20;
/**
 * Lines that open with more than this many chars of indentation and `>` get plain text too:
 * marked's time on nested lists grows with the cube of their depth (400 levels: 1.5 s, 3,000:
 * it never finishes) and its quote nesting overflows the stack; 128 levels parse in milliseconds.
 */
const maxNestingChars = 256;
const tooDeep = new RegExp(`^[ \\t>]{${maxNestingChars + 1}}`, 'm');

/**
 * markdownToText, or the file's own text when marked cannot cope: a block longer than
 * maxMarkdownBlockChars, indentation deeper than maxNestingChars, or nesting that overflows the
 * stack anyway (marked's lexer and our walk both recurse). The person is told in `warnings`;
 * the words are still indexed.
 */
export function markdownOrPlainText(markdown: string, warnings: string[]): string {
  if (longestBlock(markdown) > maxMarkdownBlockChars) {
    warnings.push(`Markdown has a block over ${maxMarkdownBlockChars / (1 << 20)} MB without a blank line: indexed as plain text`);
    return tidyText(markdown);
  }
  if (tooDeep.test(markdown)) {
    warnings.push(`Markdown nested more than ${maxNestingChars / 2} levels deep: indexed as plain text`);
    return tidyText(markdown);
  }
  try {
    return markdownToText(markdown);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    warnings.push('Markdown nested too deeply to parse: indexed as plain text');
    return tidyText(markdown);
  }
}

/** Chars of the longest stretch between blank lines. */
function longestBlock(text: string): number {
  let longest = 0;
  let start = 0;
  for (const m of text.matchAll(/\n[ \t]*\n/g)) {
    longest = Math.max(longest, m.index - start);
    start = m.index + m[0].length;
  }
  return Math.max(longest, text.length - start);
}

function blocksText(tokens: Token[]): string {
  const blocks: string[] = [];
  for (const token of tokens) {
    const text = blockText(token);
    if (text.trim() !== '') blocks.push(text);
  }
  return blocks.join('\n\n');
}

function blockText(token: Token): string {
  switch (token.type) {
    case 'space':
    case 'hr':
    case 'def':
      return '';
    case 'heading':
    case 'paragraph':
      return inlineText((token as Tokens.Heading | Tokens.Paragraph).tokens);
    case 'code':
      return (token as Tokens.Code).text;
    case 'blockquote':
      return blocksText((token as Tokens.Blockquote).tokens);
    case 'list':
      return (token as Tokens.List).items.map((item) => listItemText(item)).join('\n');
    case 'table':
      return tableText(token as Tokens.Table);
    case 'html':
      return htmlToText((token as Tokens.HTML).text).text;
    case 'text': {
      // Block-level text (tight list items) carries inline tokens when it has any markup.
      const t = token as Tokens.Text;
      return t.tokens ? inlineText(t.tokens) : decodeEntities(t.text);
    }
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? blocksText(token.tokens) : '';
  }
}

/** A list item's blocks on consecutive lines (nested lists follow their parent item). */
function listItemText(item: Tokens.ListItem): string {
  return item.tokens
    .map((t) => blockText(t))
    .filter((t) => t.trim() !== '')
    .join('\n');
}

function tableText(table: Tokens.Table): string {
  const row = (cells: Tokens.TableCell[]) => cells.map((c) => inlineText(c.tokens).trim()).join('\t');
  return [row(table.header), ...table.rows.map(row)].join('\n');
}

function inlineText(tokens: Token[]): string {
  let out = '';
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
      case 'escape': {
        const t = token as Tokens.Text;
        out += t.tokens ? inlineText(t.tokens) : decodeEntities(t.text);
        break;
      }
      case 'codespan':
        out += (token as Tokens.Codespan).text;
        break;
      case 'image':
        out += decodeEntities((token as Tokens.Image).text);
        break;
      case 'br':
        out += '\n';
        break;
      case 'html':
        // Inline tags carry no text of their own; a <br> still breaks the line.
        if (/^<br\s*\/?>$/i.test((token as Tokens.Tag).text)) out += '\n';
        break;
      default:
        if ('tokens' in token && Array.isArray(token.tokens)) out += inlineText(token.tokens);
        else if ('text' in token && typeof token.text === 'string') out += decodeEntities(token.text);
    }
  }
  return out;
}
