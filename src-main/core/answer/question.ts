import { DeskError } from '../errors';
import { defaultMaxQuestionTokens } from '../model/engine';
import type { Segment } from '../model/types';

/** Longest question accepted, in chars: far past any real question, short of pasting a document. */
export const maxQuestionChars = 2000;

/** Question segment limit `[CLS] q [SEP]` in tokens (ARCHITECTURE.md#data-flow); longer questions are truncated. */
export const maxQuestionTokens = defaultMaxQuestionTokens;

/** Trims the question; throws QUESTION_EMPTY / QUESTION_TOO_LONG for what cannot be asked. */
export function checkQuestion(question: string): string {
  const text = question.trim();
  if (text.length === 0) throw new DeskError('QUESTION_EMPTY', 'Type a question first.');
  if (text.length > maxQuestionChars) {
    throw new DeskError(
      'QUESTION_TOO_LONG',
      `The question is ${text.length} characters long; ask in at most ${maxQuestionChars}.`,
      { length: text.length, limit: maxQuestionChars },
    );
  }
  return text;
}

/**
 * Whether the question segment lost words to the token limit: it is full, and its last real
 * token ends before the question's last letter or number (trailing spaces and "?" do not count).
 */
export function isTruncated(segment: Segment, question: string, limit = maxQuestionTokens): boolean {
  if (segment.ids.length < limit) return false;
  let lastEnd = -1;
  for (const [, end] of segment.offsets) lastEnd = Math.max(lastEnd, end);
  const tail = question.slice(Math.max(lastEnd, 0));
  return /[\p{L}\p{N}]/u.test(tail);
}

/** The note shown when a long question was cut to fit the model. */
export function truncationNote(segment: Segment, question: string): string {
  const kept = segment.offsets.reduce((end, [, e]) => Math.max(end, e), 0);
  return `The question is longer than the model reads (${maxQuestionTokens} tokens): only "${question.slice(0, kept)}" was used.`;
}
