import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { DeskError } from '../errors';
import { diskFullError, isDiskFull } from './disk-space';
import { cancelledError, networkError, type RequestSubject, statusError } from './hub-errors';
import { type HubContext, hubRequest } from './http-client';

/** One file to fetch into `<name>.part`, with what the hub (or the catalogue) says it must be. */
export interface FileDownload {
  subject: RequestSubject & { file: string };
  url: URL;
  partPath: string;
  expectedSize?: number;
  /** sha256 of the content (LFS files). */
  expectedSha256?: string;
  /** Git blob id of a file kept in git (checked when its size is known too); with neither hash, only the size is checked. */
  expectedGitBlob?: string;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** How many times a dropped connection is resumed within this call before giving up (partial data kept). */
  retries?: number;
  /** Bytes of this file on disk so far; `isResume` for bytes found from an earlier run. */
  onBytes?: (bytes: number, total: number | undefined, isResume: boolean) => void;
}

/** The verified file: its size, sha256, and the hub's headers (X-Repo-Commit, X-Linked-Etag...). */
export interface DownloadedFile {
  size: number;
  sha256: string;
  hubHeaders?: IncomingHttpHeaders;
}

/**
 * Downloads one file into its `.part`, resuming what an earlier run left with `Range: bytes=N-`
 * (a 206 appends; a 200 that ignored Range starts over). The content is hashed as it streams;
 * a size or sha256 mismatch removes the part (so a retry starts clean) and throws
 * HUB_CHECKSUM_MISMATCH. A dropped connection is resumed `retries` times, then HUB_OFFLINE with
 * the part kept for the next run.
 */
export async function downloadFile(d: FileDownload, ctx: HubContext, opts: DownloadOptions = {}): Promise<DownloadedFile> {
  const retries = opts.retries ?? 3;
  let hubHeaders: IncomingHttpHeaders | undefined;
  for (let attempt = 0; ; attempt++) {
    let have = (await stat(d.partPath).catch(() => null))?.size ?? 0;
    if (d.expectedSize !== undefined && have > d.expectedSize) {
      await rm(d.partPath, { force: true });
      have = 0;
    }
    const hash = new ContentHash(d);
    if (have > 0) await hashFile(d.partPath, hash);
    opts.onBytes?.(have, d.expectedSize, attempt === 0 && have > 0);
    if (d.expectedSize !== undefined && have === d.expectedSize) {
      return verify(d, have, hash.digests(), hubHeaders); // complete from an earlier run: no request
    }

    const { res, url, hubHeaders: first } = await hubRequest(d.url, ctx, {
      signal: opts.signal,
      headers: have > 0 ? { range: `bytes=${have}-` } : {},
    });
    hubHeaders ??= first;
    const status = res.statusCode ?? 0;
    if (status === 416 && have > 0) {
      res.resume(); // the part is not a prefix of this file any more: start over
      await rm(d.partPath, { force: true });
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw statusError(res, url, d.subject, Boolean(ctx.token));
    }
    let start = have;
    if (status === 206 && contentRangeStart(res.headers['content-range']) !== have) {
      res.resume();
      await rm(d.partPath, { force: true });
      continue;
    }
    if (status === 200 && have > 0) start = 0; // the server ignored Range: the body is the whole file
    const fileHash = start === have ? hash : new ContentHash(d);
    const total = d.expectedSize ?? totalFrom(res.headers, status, first);
    const expectedBody = Number(res.headers['content-length'] ?? NaN);
    let received = 0;
    // A plain read/write loop, not pipeline(): each chunk is on disk before the next is read, so a
    // dropped connection loses at most what Node had buffered, and the next attempt resumes from the file.
    const handle = await open(d.partPath, start > 0 ? 'a' : 'w');
    try {
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          await handle.write(chunk);
          fileHash.update(chunk);
          received += chunk.length;
          opts.onBytes?.(start + received, total, false);
        }
      } finally {
        await handle.close();
      }
      if (Number.isFinite(expectedBody) && received < expectedBody) {
        throw Object.assign(new Error(`connection closed after ${received} of ${expectedBody} bytes`), { code: 'ECONNRESET' });
      }
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError('the download');
      if (isDiskFull(err)) throw diskFullError(d.partPath);
      if (err instanceof DeskError) throw err;
      if (attempt < retries) continue;
      const done = start + received;
      throw new DeskError(
        'HUB_OFFLINE',
        `connection to ${url.host} lost while downloading ${d.subject.file} (${done}${total ? ` of ${total}` : ''} bytes); ` +
          'the partial file is kept: run the pull again to resume',
        { file: d.subject.file, bytes: done, cause: networkError(err, url).message },
      );
    }
    // No published hash up front: the hub's X-Linked-Etag on an LFS file is its sha256.
    const linked = /^"?([0-9a-f]{64})"?$/.exec(String(hubHeaders?.['x-linked-etag'] ?? ''))?.[1];
    return verify({ ...d, expectedSha256: d.expectedSha256 ?? linked }, start + received, fileHash.digests(), hubHeaders);
  }
}

/** sha256 of the content, and the git blob id alongside when one is expected (it needs the size up front). */
class ContentHash {
  private readonly sha256 = createHash('sha256');
  private readonly gitBlob?: Hash;

  constructor(d: FileDownload) {
    if (d.expectedGitBlob && d.expectedSize !== undefined) {
      this.gitBlob = createHash('sha1').update(`blob ${d.expectedSize}\0`);
    }
  }

  update(chunk: Buffer): void {
    this.sha256.update(chunk);
    this.gitBlob?.update(chunk);
  }

  digests(): { sha256: string; gitBlob?: string } {
    return { sha256: this.sha256.digest('hex'), gitBlob: this.gitBlob?.digest('hex') };
  }
}

/** Size, sha256 and git blob id against what was expected; a bad part is removed. */
async function verify(
  d: FileDownload,
  size: number,
  actual: { sha256: string; gitBlob?: string },
  hubHeaders?: IncomingHttpHeaders,
): Promise<DownloadedFile> {
  const problems: Array<[string, string | number, string | number]> = [];
  if (d.expectedSize !== undefined && size !== d.expectedSize) problems.push(['size', d.expectedSize, size]);
  else if (d.expectedSha256 !== undefined && actual.sha256 !== d.expectedSha256) problems.push(['sha256', d.expectedSha256, actual.sha256]);
  else if (actual.gitBlob !== undefined && actual.gitBlob !== d.expectedGitBlob) problems.push(['git blob id', d.expectedGitBlob!, actual.gitBlob]);
  if (problems.length) {
    await rm(d.partPath, { force: true });
    const [[what, expected, got]] = problems;
    const show = (v: string | number) => (what === 'size' ? `${v} bytes` : `${what} ${v}`);
    throw new DeskError(
      'HUB_CHECKSUM_MISMATCH',
      `${d.subject.file} from ${d.subject.repo}@${d.subject.revision} is corrupt: expected ${show(expected)}, got ${show(got)}; ` +
        'the bad copy was removed, run the pull again',
      { file: d.subject.file, check: what, expected, actual: got },
    );
  }
  return { size, sha256: actual.sha256, hubHeaders };
}

async function hashFile(path: string, hash: ContentHash): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

/** `bytes 100-199/200` → 100. */
function contentRangeStart(header: string | undefined): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The whole file's size from Content-Range (206), Content-Length (200) or the hub's X-Linked-Size. */
function totalFrom(headers: IncomingHttpHeaders, status: number, hub: IncomingHttpHeaders): number | undefined {
  const range = /\/(\d+)$/.exec(String(headers['content-range'] ?? ''));
  if (status === 206 && range) return Number(range[1]);
  const linked = Number(hub['x-linked-size'] ?? NaN);
  if (Number.isFinite(linked)) return linked;
  const length = Number(headers['content-length'] ?? NaN);
  return status === 200 && Number.isFinite(length) ? length : undefined;
}
