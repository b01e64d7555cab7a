import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { extractText } from './extract';
import { scratchFiles } from './testing-files';

const scratch = scratchFiles('desk-markup-');

async function extract(name: string, content: string | Uint8Array) {
  return extractText(await scratch.file(name, content));
}

const MARKDOWN = `# Title &amp; more

Para with [link text](http://x.example/secret-url "t") and ![alt words](http://img.example/pic.png),
\`code &amp; span\` **bold** _em_ AT&amp;T &copy; 5 < 6.

- item one
- item **two**
  - nested item

| Name | Age |
|------|-----|
| Ann  | 31  |

> quoted wisdom

\`\`\`js
const x = 1 < 2 && "&amp;";
\`\`\`

<div>block <b>html</b> &amp; stuff<script>alert(1)</script></div>

[ref]: http://ref.example/hidden
Autolink <http://auto.example> end.
`;

describe('extractText: Markdown', () => {
  it('keeps the text a reader sees and drops markup, URLs and definitions', async () => {
    const { text, encoding } = await extract('notes.md', MARKDOWN);
    expect(encoding).toBe('utf-8');
    expect(text.split('\n\n')).toEqual([
      'Title & more',
      'Para with link text and alt words,\ncode &amp; span bold em AT&T © 5 < 6.',
      'item one\nitem two\nnested item',
      'Name\tAge\nAnn\t31',
      'quoted wisdom',
      'const x = 1 < 2 && "&amp;";',
      'block html & stuff',
      'Autolink http://auto.example end.',
    ]);
    expect(text).not.toMatch(/secret-url|pic\.png|ref\.example|alert|[*_#|>`]/);
  });

  it('reads .markdown too and reports markup with no text as having none', async () => {
    expect((await extract('a.markdown', '## Heading\n\nBody.')).text).toBe('Heading\n\nBody.');
    const err = await extract('images.md', '![](http://x/y.png)\n\n---\n').catch((e: unknown) => e);
    expect(isDeskError(err, 'EXTRACT_EMPTY')).toBe(true);
  });
});

const HTML = `<!doctype html>
<html><head>
  <meta charset="utf-8"><title>  The   Page  </title>
  <style>body { color: red }</style>
  <script>var hidden = "</p>nope";</script>
</head>
<body>
  <noscript>Enable JavaScript</noscript>
  <template><p>template text</p></template>
  <h1>Main heading</h1>
  <p>First   paragraph with <b>bold</b>
     and <a href="http://x.example/url">a link</a>.</p>
  <p>Entities: caf&eacute; &amp; &lt;tag&gt; &#x263A; &#233;</p>
  <ul><li>one</li><li>two</li></ul>
  <div>line<br>break</div>
  <table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>
  <pre>  keep
    spacing</pre>
  <p hidden>hidden paragraph</p>
  <svg><text>svg text</text></svg>
</body></html>`;

describe('extractText: HTML', () => {
  it('keeps visible text only, with the title first and blocks on their own lines', async () => {
    const { text } = await extract('page.html', HTML);
    expect(text).toBe(
      [
        'The Page',
        'Main heading',
        'First paragraph with bold and a link.',
        'Entities: café & <tag> ☺ é',
        'one\ntwo',
        'line\nbreak',
        'k\tv\na\t1',
        '  keep\n    spacing',
      ].join('\n\n'),
    );
    expect(text).not.toMatch(/color|hidden|nope|JavaScript|template text|svg text|x\.example/);
  });

  it('does not repeat a title that the page already starts with', async () => {
    const { text } = await extract('same.htm', '<title>Hello</title><h1>Hello</h1><p>World</p>');
    expect(text).toBe('Hello\n\nWorld');
  });

  it('honours a declared charset when there is no BOM', async () => {
    const bytes = Buffer.from('<meta charset="iso-8859-1"><p>déjà</p>', 'latin1');
    const got = await extract('legacy.html', bytes);
    expect(got.text).toBe('déjà');
    expect(got.warnings).toEqual([]);
  });

  it('reports a page with no visible text', async () => {
    const err = await extract('blank.html', '<html><head><script>x()</script></head><body> </body></html>').catch((e: unknown) => e);
    expect(isDeskError(err, 'EXTRACT_EMPTY')).toBe(true);
  });
});
