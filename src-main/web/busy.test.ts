import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKEN_HEADER, type Result } from '../core/contract';
import { AskQueue } from '../core/answer/ask-queue';
import { DeskError, toWire } from '../core/errors';
import { startWebServer, type WebServer } from './server';

/**
 * The web shell's answers to a full question queue: BUSY is 503 (try again); SUPERSEDED is an
 * expected failure like any other, in the 200 Result envelope (the UI ignores it). The
 * backend here is the real AskQueue with its one place taken by a question held open by the test,
 * so the refusals are the queue's own, not made up.
 */
let root: string;
let server: WebServer;
let release!: () => void;
const queue = new AskQueue({ maxWaiting: 1 });
/** Clients whose question reached the queue, in order. */
const arrived: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'web-busy-'));
  const held = new Promise<void>((resolve) => (release = resolve));
  const backend = {
    handle: async (_method: string, payload: unknown): Promise<Result<unknown>> => {
      const { client } = payload as { client?: string };
      arrived.push(client ?? '');
      try {
        return { ok: true, value: await queue.run(client, () => held.then(() => ({ answered: client }))) };
      } catch (err) {
        return { ok: false, error: toWire(err as DeskError) };
      }
    },
    bus: { on: () => () => undefined },
  };
  server = await startWebServer({ backend, staticDir: root });
});
afterAll(async () => {
  release();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const ask = (client: string) =>
  fetch(`${server.origin}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token }, body: JSON.stringify({ client }) });

it('answers 503 BUSY past the queue and SUPERSEDED (in a 200 envelope) to a replaced question, then the rest in turn', async () => {
  const reached = async (n: number) => {
    while (arrived.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const running = ask('a');
  await reached(1); // a runs (held open by the test)
  const waiting = ask('b');
  await reached(2); // b waits in the one place
  const busy = await ask('c');
  expect(busy.status).toBe(503);
  expect(await busy.json()).toMatchObject({ code: 'BUSY' });
  const newer = ask('b'); // the same client asks again: its waiting question is replaced
  const replaced = await waiting;
  expect(replaced.status).toBe(200);
  expect(await replaced.json()).toMatchObject({ ok: false, error: { code: 'SUPERSEDED' } });
  release();
  expect(await (await running).json()).toEqual({ ok: true, value: { answered: 'a' } });
  expect(await (await newer).json()).toEqual({ ok: true, value: { answered: 'b' } });
});
