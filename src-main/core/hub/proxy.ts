import http from 'node:http';
import type { Socket } from 'node:net';
import { DeskError } from '../errors';

/**
 * Proxy support for hub downloads. Node's fetch ignores HTTPS_PROXY/HTTP_PROXY, and no proxy-agent
 * package is installed (global-agent, which onnxruntime-node pulls in, patches the global agents
 * and reads GLOBAL_AGENT_* variables), so downloads use node:http/https with this small layer:
 * https targets go through an HTTP CONNECT tunnel, http targets as absolute-form requests.
 */

/** Environment variables as read here (passed in, so tests never depend on the machine's settings). */
export type Env = Record<string, string | undefined>;

/** The proxy to use for `url` under curl's conventions (lower-case names win), or undefined for a direct connection. */
export function proxyFor(url: URL, env: Env): URL | undefined {
  if (isNoProxy(url, firstSet(env.no_proxy, env.NO_PROXY) ?? '')) return undefined;
  const raw =
    url.protocol === 'https:'
      ? firstSet(env.https_proxy, env.HTTPS_PROXY, env.all_proxy, env.ALL_PROXY)
      : firstSet(env.http_proxy, env.HTTP_PROXY, env.all_proxy, env.ALL_PROXY);
  if (!raw) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(raw.includes('://') ? raw.trim() : `http://${raw.trim()}`);
  } catch {
    throw new DeskError('HUB_OFFLINE', `the proxy setting "${raw}" is not a URL; expected http://host:port`);
  }
  if (proxy.protocol !== 'http:') {
    throw new DeskError('HUB_OFFLINE', `proxy ${proxy.protocol}// is not supported; set HTTPS_PROXY to an http://host:port proxy`);
  }
  return proxy;
}

/** The first variable that is set to something (an empty value counts as unset). */
function firstSet(...values: Array<string | undefined>): string | undefined {
  return values.map((v) => v?.trim()).find((v) => v);
}

/** NO_PROXY: comma/space separated hosts; `.example.com` or `*.example.com` match subdomains; `*` matches all; `host:port` pins a port. */
function isNoProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    if (entry === '*') return true;
    const { name, pinnedPort } = splitHostPort(entry);
    if (pinnedPort && pinnedPort !== port) continue;
    const suffix = name.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address (no port). */
function splitHostPort(entry: string): { name: string; pinnedPort?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1], pinnedPort: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name, pinnedPort] = entry.split(':');
    return { name, pinnedPort };
  }
  return { name: entry };
}

/** Authorization header for a proxy URL with user:password, if any. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** Opens a raw TCP tunnel to host:port through an HTTP proxy (CONNECT); the caller layers TLS on top. */
export function openTunnel(proxy: URL, host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 80),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
      signal,
    });
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const auth = res.statusCode === 407 ? ' (proxy authentication required: put user:password in the proxy URL)' : '';
        reject(new DeskError('HUB_OFFLINE', `proxy ${proxy.host} refused to connect to ${authority}: ${res.statusCode} ${res.statusMessage ?? ''}${auth}`));
        return;
      }
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.once('error', reject);
    req.end();
  });
}
