import { isDeskError } from '../errors';

/** How a document that could not be indexed is recorded: status, stable code, human reason. */
export interface Failure {
  status: 'failed' | 'skipped';
  code: string;
  reason: string;
}

/** Codes that mean "nothing to index here" rather than "something went wrong". */
const skippedCodes = new Set(['FILE_TOO_LARGE', 'UNSUPPORTED_TYPE', 'EXTRACT_EMPTY']);

/** Classifies an error thrown while reading or encoding one document. */
export function failureOf(err: unknown): Failure {
  if (isDeskError(err)) {
    const isSkipped = skippedCodes.has(err.code);
    return {
      status: isSkipped ? 'skipped' : 'failed',
      code: err.code,
      reason: isSkipped && !err.message.startsWith('skipped') ? `skipped: ${err.message}` : err.message,
    };
  }
  // Not an expected failure: a bug in an extractor or the engine. The document is marked and the rest go on.
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'failed', code: 'INTERNAL', reason: `internal error: ${message}` };
}

/** The size cap's reason, in the words the text module uses for the same verdict. */
export function tooLarge(size: number, maxBytes: number): Failure {
  return { status: 'skipped', code: 'FILE_TOO_LARGE', reason: `skipped: too large (${megabytes(size)} MB > cap ${megabytes(maxBytes)} MB)` };
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}
