import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy, type TestProxy } from './testing/test-proxy';

/** openssl makes a throwaway certificate for 127.0.0.1; without it this end-to-end check is skipped. */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('https through an HTTP CONNECT proxy', () => {
  let dir: string;
  let server: https.Server;
  let proxy: TestProxy;
  let seen: Array<{ url?: string; auth?: string }>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    seen = [];
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.end('over tls');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one hubRequest in a child process that trusts `ca` (or nothing extra), through the proxy. */
  async function requestInChild(ca?: string): Promise<Record<string, unknown>> {
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/models/x`;
    const env: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: proxy.url, NO_PROXY: '', no_proxy: '', https_proxy: '' };
    if (ca) env.NODE_EXTRA_CA_CERTS = ca;
    else delete env.NODE_EXTRA_CA_CERTS;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing/tls-request.ts'), url], { env });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  it('tunnels with CONNECT, checks the certificate, and sends the request inside TLS', async () => {
    expect(await requestInChild(join(dir, 'cert.pem'))).toEqual({ status: 200, body: 'over tls' });
    expect(proxy.log.map((r) => r.method)).toEqual(['CONNECT']); // the proxy saw only the tunnel, not the request
    expect(seen).toEqual([{ url: '/api/models/x', auth: 'Bearer hf_tls' }]);
  });

  it('refuses an untrusted certificate with advice for intercepting proxies', async () => {
    const answer = await requestInChild();
    expect(answer.code).toBe('HUB_OFFLINE');
    expect(answer.message).toMatch(/certificate not trusted.*NODE_EXTRA_CA_CERTS/);
  });
});
