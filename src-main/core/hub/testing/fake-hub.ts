import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for huggingface.co in tests: the same URL layout and headers for one repo
 * (`/api/models/{repo}/revision/{rev}?blobs=true`, `/{repo}/resolve/{rev}/{file}`), LFS files
 * redirected to a second server (the "CDN", another host:port), Range support, and switches to
 * misbehave: drop the connection mid-body, ignore Range, serve flipped bytes, demand a token.
 */

export interface FakeRepo {
  repo: string;
  /** Commit → files at that commit. */
  commits: Record<string, Record<string, Buffer>>;
  /** Branch/tag → commit. */
  refs: Record<string, string>;
  /** Files stored in LFS (redirected to the CDN, sha256 published). */
  lfs: Set<string>;
}

/** Switches a test flips; all off by default. */
export interface FakeHubBehaviour {
  /** Close the connection after this many body bytes of the file, for the next `times` requests of it. */
  dropAfter?: { file: string; bytes: number; times: number };
  /** Answer Range requests with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Serve this file with one byte flipped (the published sha256 stays the original's). */
  corrupt?: string;
  /** Answer /api and /resolve with 401 GatedRepo unless `Authorization: Bearer <token>`. */
  requireToken?: string;
  /** Answer a listed file's /resolve with 404 (EntryNotFound). */
  missing?: string;
  /** List siblings without blob ids (as a bare mirror might). */
  noBlobIds?: boolean;
  /** Send this file's body in 64 KB slices, one every `ms` milliseconds. */
  slow?: { file: string; ms: number };
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface FakeHub {
  url: string;
  cdnUrl: string;
  requests: LoggedRequest[];
  behaviour: FakeHubBehaviour;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitBlobSha = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export async function startFakeHub(repo: FakeRepo): Promise<FakeHub> {
  const requests: LoggedRequest[] = [];
  const behaviour: FakeHubBehaviour = {};
  const byHash = new Map<string, Buffer>();
  for (const files of Object.values(repo.commits)) {
    for (const [name, bytes] of Object.entries(files)) if (repo.lfs.has(name)) byHash.set(sha256(bytes), bytes);
  }
  const commitOf = (rev: string) => (repo.commits[rev] ? rev : repo.refs[rev]);
  const log = (server: LoggedRequest['server'], req: http.IncomingMessage) =>
    requests.push({
      server,
      method: req.method ?? '',
      path: req.url ?? '',
      range: req.headers.range,
      authorization: req.headers.authorization,
    });

  let cdnUrl = '';
  const hub = http.createServer((req, res) => {
    log('hub', req);
    const url = new URL(req.url ?? '/', 'http://hub');
    if (behaviour.requireToken && req.headers.authorization !== `Bearer ${behaviour.requireToken}`) {
      return fail(res, 401, 'GatedRepo', 'Access to this repo is restricted');
    }
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) {
      const [, name, rev] = api;
      if (name !== repo.repo) return fail(res, 401, 'RepoNotFound', 'Repository not found');
      const commit = commitOf(decodeURIComponent(rev));
      if (!commit) return fail(res, 404, 'RevisionNotFound', 'Invalid rev id');
      const siblings = Object.entries(repo.commits[commit]).map(([rfilename, bytes]) => ({
        rfilename,
        size: bytes.length,
        ...(behaviour.noBlobIds ? {} : { blobId: gitBlobSha(bytes) }),
        ...(repo.lfs.has(rfilename) ? { lfs: { sha256: sha256(bytes), size: bytes.length, pointerSize: 134 } } : {}),
      }));
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ id: repo.repo, modelId: repo.repo, sha: commit, siblings }));
    }
    const resolve = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const [, name, rev, file] = resolve.map(decodeURIComponent);
      if (name !== repo.repo) return fail(res, 401, 'RepoNotFound', 'Repository not found');
      const commit = commitOf(rev);
      if (!commit) return fail(res, 404, 'RevisionNotFound', 'Invalid rev id');
      const bytes = repo.commits[commit][file];
      if (!bytes || behaviour.missing === file) return fail(res, 404, 'EntryNotFound', `${file} does not exist`);
      res.setHeader('x-repo-commit', commit);
      if (repo.lfs.has(file)) {
        res.setHeader('x-linked-etag', `"${sha256(bytes)}"`);
        res.setHeader('x-linked-size', String(bytes.length));
        res.setHeader('location', `${cdnUrl}/cdn/${sha256(bytes)}?file=${encodeURIComponent(file)}`);
        res.statusCode = 302;
        return res.end();
      }
      res.setHeader('etag', `"${gitBlobSha(bytes)}"`);
      return serve(req, res, file, bytes);
    }
    fail(res, 404, 'NotFound', 'no such route');
  });
  const cdn = http.createServer((req, res) => {
    log('cdn', req);
    const url = new URL(req.url ?? '/', 'http://cdn');
    const bytes = byHash.get(url.pathname.replace('/cdn/', ''));
    if (!bytes) return fail(res, 404, 'NotFound', 'no such object');
    res.setHeader('etag', `"cdn-${sha256(bytes).slice(0, 16)}"`);
    serve(req, res, url.searchParams.get('file') ?? '', bytes);
  });

  /** 200/206/416 with Range support and the behaviour switches applied. */
  function serve(req: http.IncomingMessage, res: http.ServerResponse, file: string, original: Buffer): void {
    let bytes = original;
    if (behaviour.corrupt === file) {
      bytes = Buffer.from(original);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !behaviour.ignoreRange) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
        return void res.end();
      }
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${bytes.length - 1}/${bytes.length}`);
    }
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('content-length', String(bytes.length - start));
    if (req.method === 'HEAD') return void res.end();
    const body = bytes.subarray(start);
    const drop = behaviour.dropAfter;
    if (drop?.file === file && drop.times > 0) {
      drop.times--;
      // FIN after the bytes are flushed: the client sees a body shorter than Content-Length.
      res.write(body.subarray(0, drop.bytes), () => res.socket?.end());
      return;
    }
    if (behaviour.slow?.file === file) {
      const ms = behaviour.slow.ms;
      let at = 0;
      const tick = () => {
        if (res.destroyed) return;
        const next = Math.min(at + 65536, body.length);
        res.write(body.subarray(at, next));
        at = next;
        if (at < body.length) setTimeout(tick, ms);
        else res.end();
      };
      return tick();
    }
    res.end(body);
  }

  const listen = (server: http.Server) =>
    new Promise<string>((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  const url = await listen(hub);
  cdnUrl = await listen(cdn);
  const close = (server: http.Server) =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return { url, cdnUrl, requests, behaviour, close: async () => void (await Promise.all([close(hub), close(cdn)])) };
}

function fail(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'x-error-code': code, 'x-error-message': message, 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}
