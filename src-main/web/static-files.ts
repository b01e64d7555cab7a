import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../core/contract';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Headers every response of the shell carries: the strict CSP and no sniffing, framing or referrers. */
export const securityHeaders: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The file under `root` that a URL path names, or null when it would leave root. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = normalize(join(root, relative));
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/** Sends a built UI file; answers 404 when it does not exist. `extraHeaders` go on success only. */
export async function sendStatic(res: ServerResponse, root: string, urlPath: string, extraHeaders: Record<string, string> = {}): Promise<void> {
  const file = resolveStatic(root, urlPath);
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) {
    res.writeHead(404, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const body = await readFile(file);
  const isHashedAsset = /[/\\]assets[/\\]/.test(file);
  res
    .writeHead(200, {
      ...securityHeaders,
      ...extraHeaders,
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'cache-control': isHashedAsset ? 'private, max-age=31536000, immutable' : 'no-store',
    })
    .end(body);
}
