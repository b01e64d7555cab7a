import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../core/contract';
import { contentTypeOf, resolveStatic } from '../core/ui-files';

/** Headers every response of the shell carries: the strict CSP and no sniffing, framing or referrers. */
export const securityHeaders: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

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
      'content-type': contentTypeOf(file),
      'cache-control': isHashedAsset ? 'private, max-age=31536000, immutable' : 'no-store',
    })
    .end(body);
}
