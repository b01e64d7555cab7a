import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_PATH, TOKEN_HEADER, type DeskEvent } from '../core/contract';
import { DeskService } from '../core/service';
import { resolveStatic } from '../core/ui-files';
import { startWebServer, type WebServer } from './server';

/** Real HTTP against the real service (no model: fast), with a small static folder standing in for the built UI. */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so Host and Origin can be anything (fetch would fix Host). */
function send(server: WebServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${server.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('web shell server', () => {
  let root: string;
  let service: DeskService;
  let server: WebServer;
  const api = (method: string, body: string, headers: Record<string, string> = {}) =>
    send(server, `/api/${method}`, { method: 'POST', body, headers: { [TOKEN_HEADER]: server.token, 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-web-'));
    const staticDir = join(root, 'ui');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>ui</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'secret');
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'note.txt'), 'The quarterly report is due on Friday.');
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), builtinModelDir: null, checkResponses: true, watch: false });
    server = await startWebServer({ backend: service, staticDir, maxBodyBytes: 4096 });
  });

  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on the loopback address only, with a long random token in the URL', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
  });

  it('answers 401 UNAUTHORIZED without the right token, on every kind of request', async () => {
    for (const reply of [
      await send(server, '/api/app.info', { method: 'POST', body: '{}' }),
      await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { [TOKEN_HEADER]: `${server.token}x` } }),
      await send(server, '/'),
      await send(server, '/?token=nope'),
      await send(server, '/assets/app.js'),
      await send(server, EVENTS_PATH),
      await send(server, `${EVENTS_PATH}?token=nope`),
    ]) {
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('answers 403 to a foreign Host (DNS rebinding) or Origin, even with the token', async () => {
    const withToken = { [TOKEN_HEADER]: server.token };
    expect((await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { ...withToken, host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { ...withToken, host: '127.0.0.1:1' } })).status).toBe(403);
    expect((await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { ...withToken, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await send(server, `/?token=${server.token}`, { headers: { host: `attacker.test:${server.port}` } })).status).toBe(403);
    expect((await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { ...withToken, host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` } })).status).toBe(200);
  });

  it('serves the UI with the strict CSP; the token-carrying load sets a strict cookie for the assets', async () => {
    const page = await send(server, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ui</title>');
    const csp = page.headers['content-security-policy'] as string;
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:", "object-src 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await send(server, '/assets/app.js', { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // The cookie opens pages, never the API: a cross-site form cannot carry the header.
    expect((await send(server, '/api/app.info', { method: 'POST', body: '{}', headers: { cookie } })).status).toBe(401);
    expect((await send(server, '/../secret.txt', { headers: { cookie } })).status).toBe(404);
    expect((await send(server, '/%2e%2e/secret.txt', { headers: { cookie } })).status).toBe(404);
    expect(resolveStatic('/srv/ui', '/..%2fsecret.txt')).toBeNull();
  });

  it('refuses malformed requests with 400 BAD_REQUEST and oversized bodies with 413', async () => {
    const malformed = await api('app.info', '{"not json');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/JSON/) });
    expect((await send(server, '/api/app.info', { headers: { [TOKEN_HEADER]: server.token } })).status).toBe(400);
    expect((await api('ask', JSON.stringify({ question: 'x'.repeat(5000) }))).status).toBe(413);
  });

  it('answers what the contract refuses as a typed {ok: false} with 200, not a 4xx the browser logs as an error', async () => {
    const invalid = await api('folders.add', '{"path": 7}');
    expect(invalid.status).toBe(200);
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/folders\.add/) } });
    const unknown = await api('nope.nothing', '{}');
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('carries calls to the service and its errors with their codes', async () => {
    const info = await api('app.info', '');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { shell: 'web', model: null } });
    const missing = await api('documents.open', JSON.stringify({ path: '/etc/passwd' }));
    expect(missing.status).toBe(200);
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const empty = await api('ask', JSON.stringify({ question: '   ' }));
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.body)).toMatchObject({ ok: false, error: { code: 'QUESTION_EMPTY' } });
  });

  it('streams contract events over server-sent events', async () => {
    const received: DeskEvent[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${server.origin}${EVENTS_PATH}?token=${server.token}`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    const sawIndexed = (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (const block of buffer.split('\n\n').slice(0, -1)) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) received.push(JSON.parse(data.slice(6)) as DeskEvent);
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
        if (received.some((e) => e.name === 'documentIndexed')) return;
      }
    })();
    expect((await api('folders.add', JSON.stringify({ path: join(root, 'docs') }))).status).toBe(200);
    await sawIndexed;
    controller.abort();
    expect(received.find((e) => e.name === 'documentIndexed')?.payload).toMatchObject({ path: join(root, 'docs', 'note.txt'), passages: 1 });
    expect(received.some((e) => e.name === 'indexProgress')).toBe(true);
  });

  it('answers a malformed URL with 400, not 500', async () => {
    const reply = await api('%ff', '{}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses a body declared over the cap before reading it', async () => {
    const reply = await send(server, '/api/ask', {
      method: 'POST',
      headers: { [TOKEN_HEADER]: server.token, 'content-type': 'application/json', 'content-length': '99999999999' },
      body: '{}',
    });
    expect(reply.status).toBe(413);
  });

  it('names at most a few unknown keys in a validation error', async () => {
    const keys = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`key${i}`, 1]));
    const big = await startWebServer({ backend: service, staticDir: join(root, 'ui'), maxBodyBytes: 4 << 20 });
    try {
      const reply = await send(big, '/api/settings.update', {
        method: 'POST',
        headers: { [TOKEN_HEADER]: big.token, 'content-type': 'application/json' },
        body: JSON.stringify(keys),
      });
      expect(reply.status).toBe(200);
      expect(reply.body.length).toBeLessThan(400);
      expect(JSON.parse(reply.body).error.message).toMatch(/unknown keys "key0", .* and 59995 more/);
    } finally {
      await big.close();
    }
  });

  it('closes a request that stalls in its body (request timeout) instead of holding it open', async () => {
    const quick = await startWebServer({ backend: service, staticDir: join(root, 'ui'), headersTimeoutMs: 200, requestTimeoutMs: 300 });
    try {
      const reply = await new Promise<number>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: quick.port, path: '/api/app.info', method: 'POST', headers: { host: `127.0.0.1:${quick.port}`, [TOKEN_HEADER]: quick.token, 'content-length': '1000' } },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', () => resolve(-1)); // closed without an answer also counts
        req.write('{"a'); // then nothing more
      });
      expect([408, -1]).toContain(reply);
    } finally {
      await quick.close();
    }
  });
});
