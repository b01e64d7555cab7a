import type { Confidence } from './confidence';

/** What a question returns. */

export type AnswerMode = 'deformer' | 'full';

/** One answer span, located in its document. */
export interface Answer {
  text: string;
  /** Comparable across passages and documents: see answer/spans.ts for its definition. */
  score: number;
  /** This answer's share of the reader's span mass (answer/confidence.ts), and that in words. */
  probability: number;
  confidence: Confidence;
  docPath: string;
  page?: number;
  passageId: string;
  /** Span of the answer in the document's extracted text: [charStart, charEnd). */
  charStart: number;
  charEnd: number;
  /** The passage text for highlighting, with the answer's span relative to it. */
  context: string;
  contextStart: number;
  highlightStart: number;
  highlightEnd: number;
}

/** A retrieved passage, for search-only results (no model) and for debugging. */
export interface PassageHit {
  passageId: string;
  docPath: string;
  page?: number;
  text: string;
  score: number;
  /** score over the best passage's (answer/confidence.ts relevanceOf). */
  relevance: number;
  /** The passage's span start in the document's extracted text. */
  charStart: number;
  /** Char ranges inside `text` where query terms matched. */
  matches: Array<[number, number]>;
}

export interface AskResult {
  question: string;
  mode: AnswerMode | 'search';
  answers: Answer[];
  passages: PassageHit[];
  /** Why answers may be missing or partial (no model, library still indexing, empty library). */
  notes: string[];
  timings: { totalMs: number; retrievalMs: number; questionMs: number; cacheReadMs: number; upperMs: number };
}
