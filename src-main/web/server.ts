/**
 * The loopback web shell: the contract over HTTP on 127.0.0.1 only.
 *   POST /api/<method>   JSON request → 200 with the service's Result envelope: {ok: true, value}, or
 *                        {ok: false, error: {code, message}} for an expected failure (a typed DeskError,
 *                        a payload the contract refuses). Browsers log every 4xx as a console error, so
 *                        only failures of the transport itself (token, URL, body size or JSON, timeout)
 *                        and bugs (INTERNAL, 500) answer {code, message} with a 4xx/5xx status, and so does
 *                        a full question queue (BUSY, 503: try again), which a client must tell apart.
 *   GET  /api/events     server-sent events, one DeskEvent per message
 *   GET  /...            the built UI (out/web), with the strict CSP
 * Every request needs the run's token (security.ts); the server carries calls, it decides nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENTS_PATH, TOKEN_HEADER, type DeskEvent, type Result } from '../core/contract';
import { cookie, isOwnAddress, isSameToken, newToken, tokenCookieName } from './security';
import { securityHeaders, sendStatic } from './static-files';

/** What the server serves: the service's dispatcher and event bus. */
export interface DeskBackend {
  handle(method: string, payload: unknown): Promise<Result<unknown>>;
  bus: { on(listener: (event: DeskEvent) => void): () => void };
}

export interface WebServerOptions {
  backend: DeskBackend;
  /** The built UI folder (out/web). */
  staticDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: a fresh random token. */
  token?: string;
  /** Request bodies above this are refused with 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** A request whose headers (default 10 s) or whole body (default 30 s) take longer is answered 408 and closed. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Connections open at once beyond this are refused (default 64: one UI needs a handful). */
  maxConnections?: number;
}

/** A running server: its address, the URL to open (with the token), and how to stop it. */
export interface WebServer {
  readonly port: number;
  readonly token: string;
  readonly origin: string;
  /** The page URL carrying the token as `?token=`. */
  readonly url: string;
  close(): Promise<void>;
}

const heartbeatMs = 15_000;

/**
 * HTTP status of the transport's own failures, of a bug, and of BUSY (the question queue is full:
 * 503, try again); the service's other expected failures travel in a 200 Result.
 */
const statusOf = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, INTERNAL: 500, BUSY: 503 } as const;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: keyof typeof statusOf, message: string): void {
  sendJson(res, statusOf[code], { code, message });
}

/** Reads a body up to `limit` bytes; resolves null when it is larger, undefined when the client went away (or timed out). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) isTooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(isTooLarge ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

/** `/api/<method>` → the method name; undefined when the path is not valid percent-encoding (`%ff`). */
function methodOf(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.slice('/api/'.length));
  } catch {
    return undefined;
  }
}

/** Starts the server on 127.0.0.1. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const streams = new Set<ServerResponse>();
  let port = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isOwnAddress(req, port)) return sendError(res, 'FORBIDDEN', 'This server only answers to its own address (127.0.0.1 or localhost, this port).');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendError(res, 'BAD_REQUEST', 'Malformed URL.');
    }

    if (url.pathname === EVENTS_PATH) {
      if (req.method !== 'GET') return sendError(res, 'BAD_REQUEST', `${EVENTS_PATH} takes GET.`);
      // EventSource cannot set headers: the stream takes the token as a query parameter.
      if (!isSameToken(url.searchParams.get('token'), token)) return sendError(res, 'UNAUTHORIZED', 'Missing or wrong token.');
      return openStream(req, res);
    }

    if (url.pathname.startsWith('/api/')) {
      if (!isSameToken(req.headers[TOKEN_HEADER] as string | undefined, token)) return sendError(res, 'UNAUTHORIZED', `Missing or wrong ${TOKEN_HEADER} header.`);
      if (req.method !== 'POST') return sendError(res, 'BAD_REQUEST', 'API methods take POST with a JSON body.');
      const method = methodOf(url.pathname);
      if (method === undefined) return sendError(res, 'BAD_REQUEST', 'Malformed method name in the URL.');
      // A declared size over the cap is refused before a byte of it is read.
      if (Number(req.headers['content-length'] ?? 0) > maxBody) {
        res.setHeader('connection', 'close');
        return sendJson(res, 413, { code: 'BAD_REQUEST', message: `Request body over ${maxBody} bytes.` });
      }
      const body = await readBody(req, maxBody);
      if (body === undefined) return; // the connection is gone: nobody to answer
      if (body === null) return sendJson(res, 413, { code: 'BAD_REQUEST', message: `Request body over ${maxBody} bytes.` });
      let payload: unknown = {};
      if (body.length > 0) {
        try {
          payload = JSON.parse(body.toString('utf8'));
        } catch {
          return sendError(res, 'BAD_REQUEST', 'The request body is not valid JSON.');
        }
      }
      const result = await options.backend.handle(method, payload);
      if (!result.ok && (result.error.code === 'INTERNAL' || result.error.code === 'BUSY')) return sendError(res, result.error.code, result.error.message);
      return sendJson(res, 200, result);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'BAD_REQUEST', 'Pages take GET.');
    const cookieName = tokenCookieName(port);
    const queryToken = url.searchParams.get('token');
    if (isSameToken(queryToken, token)) {
      // The page's own scripts and styles cannot carry a header: a strict, http-only cookie lets them load.
      return sendStatic(res, options.staticDir, url.pathname, { 'set-cookie': `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict` });
    }
    if (!isSameToken(cookie(req, cookieName), token)) {
      return sendError(res, 'UNAUTHORIZED', 'Open the address printed by `npm run serve`: it carries the token this server needs.');
    }
    return sendStatic(res, options.staticDir, url.pathname);
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...securityHeaders, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    const off = options.backend.bus.on((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    const end = () => {
      clearInterval(heartbeat);
      off();
      streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
  }

  // A client that opens a request and stalls (headers or body) must not hold its connection for ever.
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server: Server = createServer({
    headersTimeout,
    requestTimeout: Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout),
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  }, (req, res) => {
    route(req, res).catch((err: Error) => {
      console.error('web shell:', err);
      if (!res.headersSent) sendError(res, 'INTERNAL', err.message);
      else res.end();
    });
  });
  server.maxConnections = options.maxConnections ?? 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    token,
    origin,
    url: `${origin}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
