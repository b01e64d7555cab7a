import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { openTunnel, proxyFor } from './proxy';
import { startTestProxy, type TestProxy } from './testing/test-proxy';

describe('proxyFor', () => {
  const hub = new URL('https://huggingface.co/api/models');
  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, lower case first', () => {
    const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'lower:3128', HTTP_PROXY: 'http://plain:80' };
    expect(proxyFor(hub, env)?.href).toBe('http://lower:3128/');
    expect(proxyFor(new URL('http://example.org/x'), env)?.host).toBe('plain');
    expect(proxyFor(hub, {})).toBeUndefined();
  });

  it('skips hosts that NO_PROXY names, with subdomains, ports and *', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128' };
    expect(proxyFor(hub, { ...env, NO_PROXY: 'huggingface.co' })).toBeUndefined();
    expect(proxyFor(new URL('https://cdn-lfs.huggingface.co/x'), { ...env, NO_PROXY: '.huggingface.co' })).toBeUndefined();
    expect(proxyFor(new URL('https://cdn-lfs.huggingface.co/x'), { ...env, NO_PROXY: '*.huggingface.co' })).toBeUndefined();
    expect(proxyFor(hub, { ...env, NO_PROXY: 'huggingface.co:8443' })).toBeDefined();
    expect(proxyFor(hub, { ...env, no_proxy: 'example.org, *' })).toBeUndefined();
    expect(proxyFor(hub, { ...env, NO_PROXY: 'face.co' })).toBeDefined(); // a suffix must match whole labels
  });

  it('refuses proxies it cannot speak to', () => {
    let err: unknown;
    try {
      proxyFor(hub, { HTTPS_PROXY: 'socks5://proxy:1080' });
    } catch (e) {
      err = e;
    }
    expect(isDeskError(err, 'HUB_OFFLINE') && err.message).toMatch(/socks5:\/\/ is not supported/);
  });
});

describe('openTunnel (HTTP CONNECT)', () => {
  let target: http.Server;
  let port: number;
  let proxy: TestProxy;
  let authProxy: TestProxy;
  beforeAll(async () => {
    target = http.createServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((done) => target.listen(0, '127.0.0.1', () => done()));
    port = (target.address() as AddressInfo).port;
    proxy = await startTestProxy();
    authProxy = await startTestProxy('ann:s3cret');
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), authProxy.close()]);
    target.closeAllConnections();
    await new Promise<void>((done) => target.close(() => done()));
  });

  const getOver = (socket: import('node:net').Socket) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/through', createConnection: () => socket }, async (res) => {
        let body = '';
        for await (const chunk of res) body += chunk;
        resolve(body);
      });
      req.on('error', reject);
      req.end();
    });

  it('carries a request through the tunnel', async () => {
    const socket = await openTunnel(new URL(proxy.url), '127.0.0.1', port);
    expect(await getOver(socket)).toBe('hello /through');
    expect(proxy.log).toEqual([{ method: 'CONNECT', target: `127.0.0.1:${port}`, auth: undefined }]);
  });

  it('sends proxy credentials from the URL and explains a 407', async () => {
    const withAuth = new URL(authProxy.url);
    withAuth.username = 'ann';
    withAuth.password = 's3cret';
    const socket = await openTunnel(withAuth, '127.0.0.1', port);
    expect(await getOver(socket)).toBe('hello /through');

    const err = await openTunnel(new URL(authProxy.url), '127.0.0.1', port).catch((e: unknown) => e);
    expect(isDeskError(err, 'HUB_OFFLINE') && err.message).toMatch(/407.*proxy authentication required/);
  });
});
