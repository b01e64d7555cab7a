import type { IncomingMessage } from 'node:http';
import { DeskError } from '../errors';

/** What a request was for, so an error can name the repo, revision and file. */
export interface RequestSubject {
  repo: string;
  revision: string;
  file?: string;
}

/** Network failures before a response: codes that mean "could not reach the server". */
const offlineCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH',
  'EPIPE', 'ECONNABORTED', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** TLS failures that usually mean an intercepting proxy with its own certificate authority. */
const certificateCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

/** A cancelled pull or import; partial data has been discarded by the caller. */
export function cancelledError(what: string): DeskError {
  return new DeskError('HUB_CANCELLED', `${what} was cancelled; partial data was discarded`);
}

/** Turns a thrown network error into a DeskError (DeskErrors pass through). */
export function networkError(err: unknown, url: URL): DeskError {
  if (err instanceof DeskError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const detail = err instanceof Error ? err.message : String(err);
  if (certificateCodes.has(code)) {
    return new DeskError(
      'HUB_OFFLINE',
      `cannot reach ${url.host}: TLS certificate not trusted (${code}); behind an intercepting proxy, point NODE_EXTRA_CA_CERTS at its certificate`,
      { code },
    );
  }
  if (offlineCodes.has(code) || /socket hang up|aborted/i.test(detail)) {
    return new DeskError('HUB_OFFLINE', `cannot reach ${url.host} (${code || detail}): check your connection or set HTTPS_PROXY`, {
      code,
    });
  }
  return new DeskError('HUB_OFFLINE', `cannot reach ${url.host}: ${detail}`, { code });
}

/** Maps an unexpected HTTP status to a DeskError naming the repo, revision or file. */
export function statusError(res: IncomingMessage, url: URL, subject: RequestSubject, hasToken: boolean): DeskError {
  const status = res.statusCode ?? 0;
  const errorCode = String(res.headers['x-error-code'] ?? '');
  const hubMessage = String(res.headers['x-error-message'] ?? '');
  const where = `${subject.repo}@${subject.revision}`;
  const details = { status, url: url.href, repo: subject.repo, revision: subject.revision, file: subject.file };
  if (errorCode === 'RepoNotFound') {
    return new DeskError(
      'HUB_NOT_FOUND',
      `repository ${subject.repo} was not found on ${url.host}${hasToken ? '' : ' (if it is private, set HF_TOKEN)'}`,
      details,
    );
  }
  if (status === 401 || status === 403 || errorCode === 'GatedRepo') {
    const token = hasToken
      ? 'the HF_TOKEN given was refused or has no access to it'
      : 'accept the licence on the hub and set HF_TOKEN';
    return new DeskError(
      'HUB_UNAUTHORIZED',
      `${where}: access refused (${status}): the repository is gated or private: ${token}`,
      details,
    );
  }
  if (status === 404) {
    const what =
      errorCode === 'RevisionNotFound'
        ? `revision "${subject.revision}" does not exist in ${subject.repo}`
        : subject.file
          ? `file ${subject.file} does not exist in ${where}`
          : `repository ${subject.repo} or revision "${subject.revision}" does not exist`;
    return new DeskError('HUB_NOT_FOUND', `${what} (404 from ${url.host})`, details);
  }
  const retry = status >= 500 ? '; the hub may be busy, try again later' : '';
  return new DeskError(
    'HUB_HTTP_ERROR',
    `${url.host} answered ${status} ${res.statusMessage ?? ''} for ${subject.file ?? where}${hubMessage ? `: ${hubMessage}` : ''}${retry}`,
    details,
  );
}
