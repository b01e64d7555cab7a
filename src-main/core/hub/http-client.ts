import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { cancelledError, isAbortError, networkError } from './hub-errors';
import { type Env, openTunnel, proxyAuthorization, proxyFor } from './proxy';

/** Where to reach the hub and as whom. */
export interface HubContext {
  /** Base URL without trailing slash, e.g. https://huggingface.co. */
  endpoint: string;
  token?: string;
  env: Env;
  /** Idle socket timeout; a stalled transfer fails after this long. */
  timeoutMs?: number;
}

export interface HubRequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  maxRedirects?: number;
}

/** A response after redirects, with the first response's headers (the hub's own, before any CDN hop). */
export interface HubResponse {
  res: IncomingMessage;
  url: URL;
  hubHeaders: IncomingHttpHeaders;
}

const userAgent = 'deformer-desk/0.1 (+node)';

/**
 * One request to the hub, following redirects (the hub sends LFS files to a CDN on another host).
 * Authorization goes only to the hub's own host; network failures become HUB_OFFLINE and an
 * aborted signal HUB_CANCELLED. The caller reads or discards the body.
 */
export async function hubRequest(url: URL, ctx: HubContext, opts: HubRequestOptions = {}): Promise<HubResponse> {
  const hubHost = new URL(ctx.endpoint).host;
  let current = url;
  let hubHeaders: IncomingHttpHeaders | undefined;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': userAgent, ...opts.headers };
    if (ctx.token && current.host === hubHost) headers.authorization = `Bearer ${ctx.token}`;
    let res: IncomingMessage;
    try {
      res = await send(current, opts.method ?? 'GET', headers, ctx, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted || isAbortError(err)) throw cancelledError('the download');
      throw networkError(err, current);
    }
    hubHeaders ??= res.headers;
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location && status !== 304) {
      res.resume();
      if (hop >= (opts.maxRedirects ?? 10)) throw networkError(new Error(`too many redirects from ${url.href}`), current);
      current = new URL(location, current);
      continue;
    }
    return { res, url: current, hubHeaders };
  }
}

/** Sends one request directly, through a CONNECT tunnel (https) or to an http proxy (absolute form). */
async function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  ctx: HubContext,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const proxy = proxyFor(url, ctx.env);
  const isHttps = url.protocol === 'https:';
  const port = Number(url.port || (isHttps ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let options: https.RequestOptions;
  if (proxy && isHttps) {
    const tunnel = await openTunnel(proxy, host, port, signal);
    // No agent: the request runs on the socket createConnection returns (TLS over the tunnel).
    options = {
      method,
      headers,
      host,
      port,
      path: url.pathname + url.search,
      // `host` is what the certificate is checked against (SNI cannot carry an IP address).
      createConnection: () => tls.connect({ socket: tunnel, host, servername: isIP(host) ? undefined : host }),
    };
  } else if (proxy) {
    options = {
      method,
      headers: { ...headers, host: url.host, ...proxyAuthorization(proxy) },
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 80),
      path: url.href,
    };
  } else {
    options = { method, headers, host, port, path: url.pathname + url.search };
  }
  const transport = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request({ ...options, signal }, resolve);
    req.setTimeout(ctx.timeoutMs ?? 30_000, () => {
      req.destroy(Object.assign(new Error(`no data for ${(ctx.timeoutMs ?? 30_000) / 1000} s`), { code: 'ETIMEDOUT' }));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Reads a whole (small) response body as text, refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit = 16 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf-8');
}
