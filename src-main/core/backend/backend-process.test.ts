import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskEvent } from '../contract';
import { testDocuments } from '../eval/test-library';
import { writeFiles } from '../index/test-kit';
import { tinyBertDir } from '../testing/paths';
import { forkBackend, type BackendClient } from './backend-client';

/**
 * The backend process as Electron runs it (one DeskService behind the typed channel), started
 * here as a plain Node child with child_process.fork: the real channel, the real service, its
 * indexer child and engine threads. Only Electron's utilityProcess wrapper (electron/backend.ts)
 * is not exercised: the electron binary is not installed here.
 */
let root: string;
let backend: BackendClient;
const events: DeskEvent[] = [];
const picked: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backend-'));
  writeFiles(join(root, 'docs'), Object.fromEntries(Object.entries(testDocuments).map(([p, text]) => [p.slice('/lib/'.length), text])));
  backend = await forkBackend(
    { shell: 'electron', appDataDir: join(root, 'data'), model: tinyBertDir, builtinModelDir: null, watch: false, checkResponses: true },
    { pickFolder: async () => (picked.push('asked'), join(root, 'docs')) },
  );
  backend.bus.on((event) => events.push(event));
}, 120_000);

afterAll(async () => {
  await backend?.close();
  rmSync(root, { recursive: true, force: true });
});

const call = async (method: string, payload: unknown = {}) => backend.handle(method, payload);

describe('the backend process behind the channel', () => {
  it('answers contract calls: app.info, folders.add with its events, then a model answer', async () => {
    const info = await call('app.info');
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron', model: { arch: 'bert' } } });
    expect(await call('folders.add', { path: join(root, 'docs') })).toMatchObject({ ok: true });
    // Events cross the channel as the contract describes them: wait for the library to go idle.
    while (!events.some((e) => e.name === 'indexIdle')) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.filter((e) => e.name === 'documentIndexed').length).toBe(3);
    const answer = await call('ask', { question: 'Who discovered polonium?', client: 'window-1' });
    expect(answer).toMatchObject({ ok: true, value: { mode: 'deformer' } });
    expect((answer as { value: { answers: Array<{ docPath: string }> } }).value.answers[0].docPath).toMatch(/physics\.txt$/);
  }, 120_000);

  it('carries typed errors and refuses calls outside the contract', async () => {
    expect(await call('ask', { question: '   ' })).toMatchObject({ ok: false, error: { code: 'QUESTION_EMPTY' } });
    expect(await call('ask', { question: 'q', extra: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await call('no.such.method')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('asks the shell for what only the shell can do (the folder dialog)', async () => {
    expect(await call('folders.pick')).toEqual({ ok: true, value: { path: join(root, 'docs') } });
    expect(picked).toEqual(['asked']);
    // openPath was not offered by this shell: the service reports the path, as in the web shell.
    const docs = (await call('indexing.documents')) as { value: { documents: Array<{ path: string }> } };
    expect(await call('documents.open', { path: docs.value.documents[0].path })).toMatchObject({ ok: true, value: { how: 'reported' } });
  });

  it('closes its service and exits; later calls answer INTERNAL instead of hanging', async () => {
    await backend.close();
    expect(await call('app.info')).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  }, 60_000);
});
