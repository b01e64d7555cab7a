/**
 * Added tokens (`[CLS]`, `[SEP]`, ... written literally in a text) split a text into sections
 * before normalisation. This is the library's DictionarySplitter (leftmost, longest match on
 * UTF-16 units) and its lstrip/rstrip handling, returning spans instead of strings.
 */

/** One entry of tokenizer.json `added_tokens`, as the library uses it. */
export interface AddedTokenSpec {
  content: string;
  id: number;
  lstrip: boolean;
  rstrip: boolean;
  /** Matched in the normalised text (true) or in the raw text (false). */
  normalized: boolean;
}

/** A section [start, end) of the split string; `token` when the section is an added token. */
export interface Section {
  start: number;
  end: number;
  token?: AddedTokenSpec;
}

interface TrieNode {
  next: Map<number, TrieNode>;
  token?: AddedTokenSpec;
  /** Length of the matched string (a normalised content can differ from `token.content`). */
  length: number;
}

/** Splits strings at occurrences of a fixed set of added tokens. */
export class AddedTokenSplitter {
  private readonly root: TrieNode = { next: new Map(), length: 0 };

  /**
   * @param tokens what the trie matches, by the string it matches
   * @param byContent every string the library's added_tokens_map knows, for its whole-section check
   */
  constructor(
    tokens: Map<string, AddedTokenSpec>,
    private readonly byContent: Map<string, AddedTokenSpec>,
  ) {
    for (const [content, token] of tokens) {
      let node = this.root;
      for (let i = 0; i < content.length; i++) {
        const cu = content.charCodeAt(i);
        let child = node.next.get(cu);
        if (!child) node.next.set(cu, (child = { next: new Map(), length: i + 1 }));
        node = child;
      }
      node.token = token;
    }
  }

  /** Sections of text[from, to), empty ones dropped, in order. */
  split(text: string, from: number, to: number): Section[] {
    const sections: Section[] = [];
    const root = this.root;
    let plainStart = from;
    let i = from;
    while (i < to) {
      let node = root.next.get(text.charCodeAt(i));
      if (!node) {
        i++;
        continue;
      }
      let match: TrieNode | undefined;
      let j = i;
      while (node) {
        if (node.token) match = node;
        j++;
        node = j < to ? node.next.get(text.charCodeAt(j)) : undefined;
      }
      if (!match) {
        i++;
        continue;
      }
      if (i > plainStart) sections.push({ start: plainStart, end: i });
      sections.push({ start: i, end: i + match.length, token: match.token });
      i += match.length;
      plainStart = i;
    }
    if (plainStart < to) sections.push({ start: plainStart, end: to });
    return this.strip(text, sections);
  }

  /** The library also treats a plain section equal to a known token as that token, then trims neighbours. */
  private strip(text: string, sections: Section[]): Section[] {
    if (this.byContent.size === 0) return sections;
    for (let k = 0; k < sections.length; k++) {
      const section = sections[k];
      const token = section.token ?? this.byContent.get(text.slice(section.start, section.end));
      if (!token) continue;
      section.token = token;
      if (token.lstrip && k > 0) {
        const prev = sections[k - 1];
        prev.end = prev.start + text.slice(prev.start, prev.end).trimEnd().length;
      }
      if (token.rstrip && k + 1 < sections.length) {
        const next = sections[k + 1];
        const s = text.slice(next.start, next.end);
        next.start += s.length - s.trimStart().length;
      }
    }
    const kept = sections.filter((s) => s.end > s.start);
    for (const s of kept) s.token ??= this.byContent.get(text.slice(s.start, s.end));
    return kept;
  }
}
