import type { EncodedQuestion, LowerStates, QaEngine, Segment, SpanLogits, Tokenizer } from '../model/types';
import { isDeskError } from '../errors';
import type { LibraryStoreApi, PassageRecord } from '../store/types';
import { checkQuestion, isTruncated, maxQuestionTokens, truncationNote } from './question';
import { pageAt } from '../text/passages';
import { confidenceOf, relevanceOf } from './confidence';
import { decodeSpans } from './spans';
import { matchRanges } from './terms';
import type { Answer, AnswerMode, AskResult, PassageHit } from './types';

/**
 * Answering over the whole library (ARCHITECTURE.md#data-flow): BM25 retrieval of the top N passages, the
 * question's lower pass ONCE, the N passages' cached lower states from LMDB, ONE batched upper
 * pass, then exact spans across all passages (spans.ts). Without a model, or without cached
 * states, the same call is a passage search.
 */

/** What a Reader reads with. */
export interface ReaderOptions {
  store: LibraryStoreApi;
  /** null when no QA model is installed: `ask` then searches passages only. */
  engine: QaEngine | null;
  /** The model's tokenizer: when given, `full` mode tokenizes the question with it (else the engine's). */
  tokenizer?: Tokenizer;
  /** Documents still waiting to be indexed (the indexer's queue), for the "indexing" note. */
  pendingDocuments?: () => number;
}

/** Per-question knobs. */
export interface AskOptions {
  mode?: AnswerMode;
  /** N: passages retrieved and read. */
  topPassages?: number;
  maxAnswers?: number;
}

/** The passages that were read and their span logits, in the same order. */
interface Read {
  passages: PassageRecord[];
  logits: SpanLogits[];
}

export const notes = {
  noModel: 'No QA model installed: showing matching passages. Install a model for exact answers.',
  noStates: 'No cached passage states for this model yet: showing matching passages. Index the library with the model for exact answers.',
  staleStates: 'The cached passage states were made with another model or split (k): showing matching passages. Re-index the library for exact answers.',
  emptyLibrary: 'Your library is empty: add a folder',
  noMatch: 'No passage shares a word with the question: try other words.',
  indexing: (n: number) => `Indexing in progress: ${n} document${n === 1 ? '' : 's'} still queued`,
  skipped: (n: number) => `${n} retrieved passage${n === 1 ? ' has' : 's have'} no usable cached states and ${n === 1 ? 'was' : 'were'} skipped: re-index to include ${n === 1 ? 'it' : 'them'}.`,
};

/** Answers questions over one library with one engine. */
export class Reader {
  constructor(private readonly options: ReaderOptions) {}

  /** Retrieves, reads and decodes; see AskResult. Throws QUESTION_EMPTY / QUESTION_TOO_LONG. */
  async ask(question: string, options: AskOptions = {}): Promise<AskResult> {
    const mode = options.mode ?? 'deformer';
    const topPassages = options.topPassages ?? 10;
    const maxAnswers = options.maxAnswers ?? 5;
    const t0 = performance.now();
    const text = checkQuestion(question);
    const { store, engine } = this.options;
    const timings = { totalMs: 0, retrievalMs: 0, questionMs: 0, cacheReadMs: 0, upperMs: 0 };
    const result: AskResult = { question: text, mode: 'search', answers: [], passages: [], notes: [], timings };
    const finish = () => ((timings.totalMs = performance.now() - t0), result);

    const pending = this.options.pendingDocuments?.() ?? 0;
    if (pending > 0) result.notes.push(notes.indexing(pending));
    const stats = store.stats();
    if (stats.passages === 0) {
      if (pending === 0) result.notes.push(notes.emptyLibrary);
      return finish();
    }

    const t = performance.now();
    const hits = store
      .search(text, topPassages)
      .map((hit) => ({ hit, record: store.getPassage(hit.passageId) }))
      .filter((r): r is { hit: typeof r.hit; record: PassageRecord } => r.record !== undefined);
    const relevance = relevanceOf(hits.map((h) => h.hit.score));
    result.passages = hits.map(({ hit, record }, i) => passageHit(record, hit.score, relevance[i], text));
    const records = hits.map((h) => h.record);
    timings.retrievalMs = performance.now() - t;

    const searchOnly = whySearchOnly(store, engine, mode, stats.stateBytes);
    if (searchOnly || !engine) {
      result.notes.push(searchOnly ?? notes.noModel);
      return finish();
    }
    result.mode = mode;
    if (records.length === 0) {
      result.notes.push(notes.noMatch);
      return finish();
    }

    const read = mode === 'deformer' ? await this.readCached(engine, text, records, result) : await this.readFull(engine, text, records, result);
    if (read) result.answers = answersFrom(read.passages, read.logits, maxAnswers);
    return finish();
  }

  /**
   * Deformer mode: cached passage states, then the question's lower pass and one batched upper
   * pass in a single run (askPass): upperMs holds both, questionMs only the tokenizing.
   */
  private async readCached(engine: QaEngine, text: string, passages: PassageRecord[], result: AskResult): Promise<Read | null> {
    const { store } = this.options;
    const { timings } = result;
    let t = performance.now();
    const question = engine.questionSegment(text);
    timings.questionMs = performance.now() - t;
    this.noteTruncation(question, text, result);

    t = performance.now();
    const states: Array<LowerStates | null> = [];
    for (const p of passages) {
      // One passage at a time, letting other requests in between: dequantising N passages in one go
      // would hold the serving thread for tens of ms on a busy machine.
      await yieldToEventLoop();
      states.push(readStates(store, p, engine.config.hidden));
    }
    timings.cacheReadMs = performance.now() - t;
    const kept = passages.filter((_, i) => states[i] !== null);
    if (kept.length < passages.length) result.notes.push(notes.skipped(passages.length - kept.length));
    if (kept.length === 0) return null;

    t = performance.now();
    const logits = await engine.askPass(question, states.filter((s): s is LowerStates => s !== null));
    timings.upperMs = performance.now() - t;
    return { passages: kept, logits };
  }

  /** Full mode: the ordinary model over [CLS] q [SEP] p [SEP] from the stored token ids; no states read. */
  private async readFull(engine: QaEngine, text: string, passages: PassageRecord[], result: AskResult): Promise<Read> {
    const { tokenizer } = this.options;
    const { timings } = result;
    let t = performance.now();
    const segment = tokenizer ? tokenizer.questionSegment(text, maxQuestionTokens) : engine.questionSegment(text);
    timings.questionMs = performance.now() - t;
    this.noteTruncation(segment, text, result);

    t = performance.now();
    const logits = await engine.fullPass(
      segment,
      passages.map((p) => ({ ids: Int32Array.from(p.ids), offsets: p.offsets })),
    );
    timings.upperMs = performance.now() - t;
    return { passages, logits };
  }

  private noteTruncation(segment: Segment, text: string, result: AskResult): void {
    if (isTruncated(segment, text)) result.notes.push(truncationNote(segment, text));
  }

  /**
   * Span logits of one question over given passages, exactly as `ask` computes them in deformer
   * mode (question lower pass once, cached states, one upper pass). For tests and debugging.
   */
  async passageLogits(question: EncodedQuestion, passageIds: string[]): Promise<SpanLogits[]> {
    const { store, engine } = this.options;
    if (!engine) throw new Error('passageLogits needs an engine');
    const states = passageIds.map((id) => store.readStates(id));
    return engine.upperPass(question.lowerStates, states);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Why this ask can only search passages, or undefined when it can read them. */
function whySearchOnly(
  store: LibraryStoreApi,
  engine: QaEngine | null,
  mode: AnswerMode,
  stateBytes: number,
): string | undefined {
  if (!engine) return notes.noModel;
  if (mode === 'full') return undefined; // the full pass needs only the stored token ids
  if (stateBytes === 0) return notes.noStates;
  const id = store.identity;
  if (id.modelFingerprint !== engine.fingerprint || id.k !== engine.k || id.passageOffset !== engine.passageOffset) {
    return notes.staleStates;
  }
  return undefined;
}

/**
 * One passage's states, checked against the passage and the model; null when they are missing
 * (indexed without a model), corrupt or of another shape: the caller skips the passage.
 */
function readStates(store: LibraryStoreApi, record: PassageRecord, hidden: number): LowerStates | null {
  try {
    const states = store.readStates(record.id); // [tokens, hidden]
    const fits = states.hidden === hidden && states.tokens === record.ids.length && states.data.length === states.tokens * hidden;
    return fits ? states : null;
  } catch (err) {
    if (isDeskError(err)) return null; // NOT_FOUND, STORE_CORRUPT: expected, skipped with a note
    throw err;
  }
}

/** Decodes spans across passages and locates each in its document and passage text. */
export function answersFrom(records: PassageRecord[], logits: SpanLogits[], maxAnswers: number): Answer[] {
  const spans = decodeSpans(
    records.map((r, i) => ({ logits: logits[i], offsets: r.offsets, docKey: r.docPath })),
    { maxAnswers },
  );
  const answers = spans.map((s) => {
    const r = records[s.passage];
    // Word pieces can start or end inside a word ("mu|scatel"); answers are whole words, as in
    // Hugging Face's QA pipeline (align_to_words).
    const [highlightStart, highlightEnd] = snapToWords(r.text, s.charStart - r.charStart, s.charEnd - r.charStart);
    const page = pageAt(r, r.charStart + highlightStart); // where the answer starts, not its window
    return {
      text: r.text.slice(highlightStart, highlightEnd),
      score: s.score,
      probability: s.probability,
      confidence: confidenceOf(s.probability),
      docPath: r.docPath,
      ...(page !== undefined ? { page } : {}),
      passageId: r.id,
      charStart: r.charStart + highlightStart,
      charEnd: r.charStart + highlightEnd,
      context: r.text,
      contextStart: r.charStart,
      highlightStart,
      highlightEnd,
    };
  });
  // Snapping can make two spans of one document meet; keep the better (spans come best first).
  return answers.filter(
    (a, i) => !answers.slice(0, i).some((b) => b.docPath === a.docPath && b.charStart < a.charEnd && a.charStart < b.charEnd),
  );
}

const wordChar = /[\p{L}\p{N}\p{M}]/u;

/** Widens [start, end) of `text` so it neither starts nor ends inside a word. */
export function snapToWords(text: string, start: number, end: number): [number, number] {
  while (start > 0 && wordChar.test(text[start - 1]) && wordChar.test(text[start])) start--;
  while (end < text.length && wordChar.test(text[end]) && wordChar.test(text[end - 1])) end++;
  return [start, end];
}

function passageHit(record: PassageRecord, score: number, relevance: number, question: string): PassageHit {
  return {
    passageId: record.id,
    docPath: record.docPath,
    ...(record.page !== undefined ? { page: record.page } : {}),
    text: record.text,
    score,
    relevance,
    charStart: record.charStart,
    matches: matchRanges(record.text, question),
  };
}
