/**
 * Errors that cross a boundary carry a stable `code` and a message a person can act on.
 * An expected failure (a corrupt PDF, a missing model file) is a DeskError; anything else is a bug.
 * Transports send `{ code, message }` and the other side rebuilds the same error with `fromWire`.
 */
export type ErrorCode =
  // checkpoint / model
  | 'CHECKPOINT_MISSING_FILE'
  | 'CHECKPOINT_BAD_CONFIG'
  | 'CHECKPOINT_UNKNOWN_ARCHITECTURE'
  | 'CHECKPOINT_NO_SPAN_HEAD'
  | 'CHECKPOINT_BAD_WEIGHTS'
  | 'CHECKPOINT_SHAPE_MISMATCH'
  | 'TOKENIZER_INVALID'
  | 'MODEL_NOT_INSTALLED'
  | 'PROVIDER_UNAVAILABLE'
  // documents / text
  | 'EXTRACT_FAILED'
  | 'EXTRACT_ENCRYPTED'
  | 'EXTRACT_EMPTY'
  | 'EXTRACT_BINARY'
  | 'EXTRACT_TOO_LARGE'
  | 'FILE_TOO_LARGE'
  | 'FILE_UNREADABLE'
  | 'FILE_NOT_REGULAR'
  | 'FILE_NAME_INVALID'
  | 'FOLDER_UNREADABLE'
  | 'FOLDER_REFUSED'
  | 'CONFIRM_REQUIRED'
  | 'WATCH_LIMIT'
  | 'UNSUPPORTED_TYPE'
  // store
  | 'STORE_INCOMPATIBLE'
  | 'STORE_CORRUPT'
  // questions
  | 'QUESTION_EMPTY'
  | 'QUESTION_TOO_LONG'
  /** The reader's queue is full: try again in a moment (answer/ask-queue.ts). */
  | 'BUSY'
  /** A newer question from the same window replaced this one; the UI ignores this answer. */
  | 'SUPERSEDED'
  // hub
  | 'HUB_OFFLINE'
  | 'HUB_NOT_FOUND'
  | 'HUB_UNAUTHORIZED'
  | 'HUB_CHECKSUM_MISMATCH'
  | 'HUB_DISK_FULL'
  | 'HUB_CANCELLED'
  | 'HUB_HTTP_ERROR'
  // transport
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'INTERNAL';

/** An expected failure with a stable code; safe to show to the person. */
export class DeskError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DeskError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

/** The shape errors take on the wire (IPC, HTTP). */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** Turns any thrown value into the wire shape; unknown errors become INTERNAL with their message. */
export function toWire(err: unknown): WireError {
  if (err instanceof DeskError) return err.toWire();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

/** Rebuilds the error on the receiving side of a transport. */
export function fromWire(wire: WireError): DeskError {
  return new DeskError(wire.code, wire.message);
}

export function isDeskError(err: unknown, code?: ErrorCode): err is DeskError {
  return err instanceof DeskError && (code === undefined || err.code === code);
}
