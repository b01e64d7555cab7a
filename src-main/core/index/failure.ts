import { isDeskError } from '../errors';

/** How a document that could not be indexed is recorded: status, stable code, human reason. */
export interface Failure {
  status: 'failed' | 'skipped';
  code: string;
  reason: string;
}

/** Codes that mean "nothing to index here" rather than "something went wrong". */
const skippedCodes = new Set(['FILE_TOO_LARGE', 'UNSUPPORTED_TYPE', 'EXTRACT_EMPTY', 'FILE_NOT_REGULAR', 'FILE_NAME_INVALID', 'FOLDER_UNREADABLE']);

/** File system errors a person can act on, by errno code: what the file's record says. */
const fileErrors: Record<string, { code: string; reason: string }> = {
  EACCES: { code: 'FILE_UNREADABLE', reason: 'permission denied' },
  EPERM: { code: 'FILE_UNREADABLE', reason: 'permission denied' },
  EISDIR: { code: 'FILE_NOT_REGULAR', reason: 'skipped: not a regular file' },
  EIO: { code: 'FILE_UNREADABLE', reason: 'could not be read (input/output error: a failing disk or network share?)' },
  ELOOP: { code: 'FILE_NOT_REGULAR', reason: 'skipped: symbolic link loop' },
};

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
  // The file system's own refusals (reading or hashing the file) are the file's problem, not a bug.
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = typeof errno === 'string' ? fileErrors[errno] : undefined;
  if (known) return { status: skippedCodes.has(known.code) ? 'skipped' : 'failed', ...known };
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

/** A path the scan saw but will not index (not a regular file, a name that is not UTF-8, an unreadable folder). */
export function notIndexed(code: 'FILE_NOT_REGULAR' | 'FILE_NAME_INVALID' | 'FOLDER_UNREADABLE', detail: string): Failure {
  return { status: 'skipped', code, reason: `skipped: ${detail}` };
}
