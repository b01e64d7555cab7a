import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import type { LibraryStore } from '../store/store';
import { windowsOf } from './document-write';
import { maxQuestionChars } from './question';
import { answersFrom, notes, Reader, snapToWords } from './reader';
import { openTestKit, testDocuments, testWindows, type TestKit } from '../eval/test-library';
import type { AskResult } from './types';

let kit: TestKit;
let store: LibraryStore;

beforeAll(async () => {
  kit = await openTestKit();
  store = kit.newStore();
  await kit.write(store, testDocuments);
});
afterAll(() => kit?.close());

/** Every located answer must point at the same chars three ways: document, passage, highlight. */
function expectLocated(result: AskResult): void {
  for (const a of result.answers) {
    const doc = testDocuments[a.docPath];
    expect(a.text.length).toBeGreaterThan(0);
    // Whole words: never starts or ends inside a word.
    expect(/[\p{L}\p{N}]/u.test(doc[a.charStart - 1] ?? ' ') && /[\p{L}\p{N}]/u.test(doc[a.charStart])).toBe(false);
    expect(/[\p{L}\p{N}]/u.test(doc[a.charEnd - 1]) && /[\p{L}\p{N}]/u.test(doc[a.charEnd] ?? ' ')).toBe(false);
    expect(doc.slice(a.charStart, a.charEnd)).toBe(a.text);
    expect(a.context.slice(a.highlightStart, a.highlightEnd)).toBe(a.text);
    expect(a.contextStart + a.highlightStart).toBe(a.charStart);
    expect(store.getPassage(a.passageId)?.text).toBe(a.context);
    expect(a.score).toBeGreaterThan(0);
    expect(a.score).toBeLessThanOrEqual(1);
  }
}

async function expectDeskError(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isDeskError(err) && err.code).toBe(code);
}

describe('snapToWords', () => {
  it('widens a span that starts or ends inside a word to whole words, and leaves whole words alone', () => {
    const text = 'a light muscatel flavour, café au lait';
    expect(snapToWords(text, 10, 20)).toEqual([8, 24]); // "scatel fla" → "muscatel flavour"
    expect(snapToWords(text, 8, 16)).toEqual([8, 16]);
    expect(snapToWords(text, 26, 29)).toEqual([26, 30]); // "caf" → "café"
    expect(snapToWords(text, 0, text.length)).toEqual([0, text.length]);
  });
});

describe('Reader.ask (deformer)', () => {
  it('answers from the retrieved passages with exact, non-overlapping spans', async () => {
    const reader = new Reader({ store, engine: kit.engine });
    const result = await reader.ask('  Where does Elizabeth meet Mr Darcy?  ', { topPassages: 6, maxAnswers: 4 });
    expect(result.mode).toBe('deformer');
    expect(result.question).toBe('Where does Elizabeth meet Mr Darcy?');
    expect(result.notes).toEqual([]);
    expect(result.passages.length).toBeGreaterThan(1);
    expect(result.answers).toHaveLength(4);
    expectLocated(result);
    for (let i = 1; i < result.answers.length; i++) expect(result.answers[i].score).toBeLessThanOrEqual(result.answers[i - 1].score);
    const ids = new Set(result.passages.map((p) => p.passageId));
    for (const a of result.answers) expect(ids.has(a.passageId)).toBe(true);
    // One document's answers never overlap, though its windows do.
    for (const a of result.answers)
      for (const b of result.answers)
        if (a !== b && a.docPath === b.docPath) expect(a.charStart < b.charEnd && b.charStart < a.charEnd).toBe(false);
    // Passage hits mark the question's words.
    const top = result.passages[0];
    expect(top.matches.length).toBeGreaterThan(0);
    expect(top.matches.map(([s, e]) => top.text.slice(s, e).toLowerCase())).toEqual(
      expect.arrayContaining([expect.stringMatching(/elizabeth|darcy|meet/)]),
    );
    const t = result.timings;
    for (const v of Object.values(t)) expect(v).toBeGreaterThanOrEqual(0);
    expect(t.totalMs).toBeGreaterThanOrEqual(t.retrievalMs + t.questionMs + t.cacheReadMs + t.upperMs - 1e-6);
  });

  it('decodes logits from cached states equal to recomputing everything from scratch', async () => {
    const question = 'When did Marie Curie win the Nobel Prize in Physics?';
    const reader = new Reader({ store, engine: kit.engine });
    const result = await reader.ask(question, { topPassages: 5, maxAnswers: 5 });
    const records = result.passages.map((p) => store.getPassage(p.passageId)!);
    expect(records.length).toBeGreaterThan(1);

    // From scratch: cut the documents again, lower passes in this process, one upper pass.
    const windows = records.map((r) => windowsOf(testDocuments[r.docPath], kit.tokenizer, testWindows)[r.index]);
    windows.forEach((w, i) => expect(Array.from(w.ids)).toEqual(records[i].ids));
    const encoded = await kit.engine.encodeQuestion(question);
    const states = await kit.engine.lowerPassages(windows.map((w) => ({ ids: w.ids, offsets: w.offsets })));
    const fresh = await kit.engine.upperPass(encoded.lowerStates, states);
    const cached = await reader.passageLogits(encoded, records.map((r) => r.id));
    let maxDiff = 0;
    cached.forEach((c, i) => {
      expect(c.start.length).toBe(fresh[i].start.length);
      for (let j = 0; j < c.start.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(c.start[j] - fresh[i].start[j]), Math.abs(c.end[j] - fresh[i].end[j]));
      }
    });
    expect(maxDiff).toBeLessThan(1e-5);

    const expected = answersFrom(records, fresh, 5);
    expect(result.answers.map((a) => [a.passageId, a.charStart, a.charEnd, a.text])).toEqual(
      expected.map((a) => [a.passageId, a.charStart, a.charEnd, a.text]),
    );
    result.answers.forEach((a, i) => expect(a.score).toBeCloseTo(expected[i].score, 5));
  });
});

describe('Reader.ask (full)', () => {
  it('reads the stored token ids through the full model with the same decoding', async () => {
    const question = 'How long is the Danube river?';
    const plain = await new Reader({ store, engine: kit.engine }).ask(question, { mode: 'full', topPassages: 4 });
    const tokenized = await new Reader({ store, engine: kit.engine, tokenizer: kit.tokenizer }).ask(question, {
      mode: 'full',
      topPassages: 4,
    });
    expect(plain.mode).toBe('full');
    expect(plain.answers.length).toBeGreaterThan(0);
    expectLocated(plain);
    expect(tokenized.answers).toEqual(plain.answers);
    expect(plain.timings.cacheReadMs).toBe(0);

    const records = plain.passages.map((p) => store.getPassage(p.passageId)!);
    const segment = kit.tokenizer.questionSegment(question, 64);
    const logits = await kit.engine.fullPass(segment, records.map((r) => ({ ids: Int32Array.from(r.ids), offsets: r.offsets })));
    expect(answersFrom(records, logits, 5)).toEqual(plain.answers);
  });
});

describe('Reader.ask edge cases', () => {
  it('rejects an empty or whitespace question, even on an empty library', async () => {
    const reader = new Reader({ store: kit.newStore(), engine: kit.engine });
    await expectDeskError(reader.ask(''), 'QUESTION_EMPTY');
    await expectDeskError(reader.ask(' \n\t '), 'QUESTION_EMPTY');
  });

  it(`rejects a question over ${maxQuestionChars} chars`, async () => {
    const reader = new Reader({ store, engine: kit.engine });
    await expectDeskError(reader.ask('why '.repeat(maxQuestionChars / 4 + 1)), 'QUESTION_TOO_LONG');
    // Exactly at the limit is a question, truncated to the model's 64 tokens.
    const long = `Where did Darcy propose to Elizabeth ${'and why '.repeat(245)}`.slice(0, maxQuestionChars);
    const result = await reader.ask(long, { topPassages: 3 });
    expect(result.answers.length).toBeGreaterThan(0);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatch(/longer than the model reads \(64 tokens\): only "Where did Darcy propose to Elizabeth and why/);
  });

  it('does not call a question truncated when it fits', async () => {
    const result = await new Reader({ store, engine: kit.engine }).ask('Who discovered polonium?');
    expect(result.notes).toEqual([]);
  });

  it('says an empty library is empty', async () => {
    const result = await new Reader({ store: kit.newStore(), engine: kit.engine }).ask('Who discovered polonium?');
    expect(result.answers).toEqual([]);
    expect(result.passages).toEqual([]);
    expect(result.notes).toEqual([notes.emptyLibrary]);
  });

  it('answers from what is indexed while documents are still queued', async () => {
    const partial = kit.newStore();
    await kit.write(partial, { '/lib/physics.txt': testDocuments['/lib/physics.txt'] });
    let queued = 3;
    const reader = new Reader({ store: partial, engine: kit.engine, pendingDocuments: () => queued });
    const result = await reader.ask('Who discovered polonium?');
    expect(result.notes).toEqual(['Indexing in progress: 3 documents still queued']);
    expect(result.answers.length).toBeGreaterThan(0);
    expect(new Set(result.answers.map((a) => a.docPath))).toEqual(new Set(['/lib/physics.txt']));
    queued = 0;
    expect((await reader.ask('Who discovered polonium?')).notes).toEqual([]);
    // Nothing indexed yet: the indexing note alone, no "empty library".
    const none = new Reader({ store: kit.newStore(), engine: kit.engine, pendingDocuments: () => 1 });
    expect((await none.ask('Who discovered polonium?')).notes).toEqual(['Indexing in progress: 1 document still queued']);
  });

  it('skips retrieved passages without cached states, with a note', async () => {
    const mixed = kit.newStore();
    await kit.write(mixed, { '/lib/physics.txt': testDocuments['/lib/physics.txt'] });
    await kit.write(mixed, { '/lib/austen.txt': testDocuments['/lib/austen.txt'] }, { withStates: false });
    const reader = new Reader({ store: mixed, engine: kit.engine });
    const result = await reader.ask('Who won the Nobel Prize, Darcy or Elizabeth or Marie Curie?', { topPassages: 10 });
    const missing = result.passages.filter((p) => p.docPath === '/lib/austen.txt').length;
    expect(missing).toBeGreaterThan(0);
    expect(result.notes).toEqual([notes.skipped(missing)]);
    expect(result.answers.length).toBeGreaterThan(0);
    for (const a of result.answers) expect(a.docPath).toBe('/lib/physics.txt');
    // Only passages without states retrieved: no answers, the note, no crash.
    const onlyMissing = await reader.ask('Where does Elizabeth meet Mr Darcy?', { topPassages: 2 });
    expect(onlyMissing.answers).toEqual([]);
    expect(onlyMissing.notes[0]).toMatch(/no usable cached states/);
  });

  it('says when no passage shares a word with the question', async () => {
    const result = await new Reader({ store, engine: kit.engine }).ask('Qwertyuiop zxcvbnm?');
    expect(result.passages).toEqual([]);
    expect(result.answers).toEqual([]);
    expect(result.notes).toEqual([notes.noMatch]);
  });
});

describe('Reader.ask as passage search', () => {
  it('without a model returns matching passages with marked terms and the note', async () => {
    const result = await new Reader({ store, engine: null }).ask('Which river flows through Vienna?', { topPassages: 3 });
    expect(result.mode).toBe('search');
    expect(result.answers).toEqual([]);
    expect(result.notes).toEqual([notes.noModel]);
    expect(result.notes[0]).toBe('No QA model installed: showing matching passages. Install a model for exact answers.');
    expect(result.passages.length).toBeGreaterThan(0);
    expect(result.passages[0].docPath).toBe('/lib/rivers.txt');
    const top = result.passages[0];
    const marked = top.matches.map(([s, e]) => top.text.slice(s, e).toLowerCase());
    expect(marked).toEqual(expect.arrayContaining(['vienna']));
    for (let i = 1; i < result.passages.length; i++) expect(result.passages[i].score).toBeLessThanOrEqual(result.passages[i - 1].score);
  });

  it('with a store that holds no states searches in deformer mode and still reads in full mode', async () => {
    const bare = kit.newStore({ modelFingerprint: 'none' });
    await kit.write(bare, testDocuments, { withStates: false });
    const reader = new Reader({ store: bare, engine: kit.engine });
    const search = await reader.ask('Which river flows through Vienna?');
    expect(search.mode).toBe('search');
    expect(search.notes).toEqual([notes.noStates]);
    expect(search.passages.length).toBeGreaterThan(0);
    const full = await reader.ask('Which river flows through Vienna?', { mode: 'full' });
    expect(full.mode).toBe('full');
    expect(full.answers.length).toBeGreaterThan(0);
  });

  it('never reads states cached for another split k', async () => {
    const other = kit.newStore({ k: 1 });
    await kit.write(other, testDocuments);
    const result = await new Reader({ store: other, engine: kit.engine }).ask('Which river flows through Vienna?');
    expect(result.mode).toBe('search');
    expect(result.notes).toEqual([notes.staleStates]);
  });
});

describe('answersFrom: the page an answer cites', () => {
  // A passage that starts on page 4 and runs into page 5 at char 112 ("gamma" starts there).
  const text = 'alpha beta\n\ngamma delta';
  const record = {
    id: 'doc#0',
    docPath: '/docs/scan.pdf',
    index: 0,
    text,
    charStart: 100,
    charEnd: 100 + text.length,
    page: 4,
    pageBreaks: [{ page: 5, charStart: 112 }],
    tokenCount: 5,
    ids: [1, 2, 3, 4, 5],
    offsets: [[100, 105], [106, 110], [112, 117], [118, 123], [-1, -1]] as Array<[number, number]>,
  };
  /** Logits (one question token, then the 5 passage tokens) peaking on tokens [first, last]. */
  const peak = (first: number, last: number) => {
    const start = new Float32Array(6).fill(-10);
    const end = new Float32Array(6).fill(-10);
    start[1 + first] = 10;
    end[1 + last] = 10;
    return { start, end, questionTokens: 1 };
  };

  it('is the page where the answer starts, not where its passage starts', () => {
    expect(answersFrom([record], [peak(2, 3)], 1).map((a) => [a.text, a.page])).toEqual([['gamma delta', 5]]);
    expect(answersFrom([record], [peak(0, 1)], 1).map((a) => [a.text, a.page])).toEqual([['alpha beta', 4]]);
  });

  it('falls back to the passage page for passages stored before page breaks were kept', () => {
    const { pageBreaks: _, ...old } = record;
    expect(answersFrom([old], [peak(2, 3)], 1)[0].page).toBe(4);
  });
});
