import { recommendedK } from './model/config';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, methodNames, type DeskEvent, type Result } from './contract';
import { DeskError } from './errors';
import { ModelManager } from './hub/model-manager';
import { IndexerHost } from './index/host/indexer-host';
import { dispatch, DeskService, EventBus, folderPath } from './service';
import { tinyBertDir } from './testing/paths';

/** Real service: a forked indexer, real LMDB, the tiny checkpoint imported into a temp models folder. */

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure(result: Result<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('dispatch', () => {
  const calls: unknown[] = [];
  const api = new Proxy({} as never, {
    get: (_, method: string) => async (request: unknown) => {
      calls.push([method, request]);
      if (method === 'folders.remove') throw new DeskError('NOT_FOUND', 'no such folder');
      if (method === 'folders.list') throw new TypeError('boom');
      if (method === 'settings.get') return { not: 'settings' };
      return { folders: ['/x'] };
    },
  });

  it('refuses an unknown method without calling anything', async () => {
    expect(failure(await dispatch(api, 'rm -rf', {}))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('Unknown method') });
    expect(failure(await dispatch(api, 'toString', {}))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(calls).toEqual([]);
  });

  it('refuses malformed payloads with the field that is wrong', async () => {
    expect(failure(await dispatch(api, 'folders.add', { path: 42 }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"path"') });
    expect(failure(await dispatch(api, 'folders.add', { path: '/a', extra: 1 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(failure(await dispatch(api, 'folders.add', { path: '/a', confirm: 'yes' }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"confirm"') });
    expect(failure(await dispatch(api, 'ask', 'a string'))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(failure(await dispatch(api, 'ask', { question: 'x', topPassages: 0 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(calls).toEqual([]);
  });

  it('passes a valid payload through; a missing payload is an empty request', async () => {
    expect(value(await dispatch(api, 'folders.add', { path: '/docs' }))).toEqual({ folders: ['/x'] });
    expect(value(await dispatch(api, 'folders.add', { path: '/docs', confirm: true }))).toEqual({ folders: ['/x'] });
    expect(await dispatch(api, 'app.info', undefined)).toMatchObject({ ok: true });
    expect(calls).toEqual([['folders.add', { path: '/docs' }], ['folders.add', { path: '/docs', confirm: true }], ['app.info', {}]]);
  });

  it('keeps a DeskError code, turns a bug into INTERNAL, and checks responses when asked', async () => {
    expect(failure(await dispatch(api, 'folders.remove', { path: '/x' }))).toEqual({ code: 'NOT_FOUND', message: 'no such folder' });
    expect(failure(await dispatch(api, 'folders.list', {}))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(await dispatch(api, 'settings.get', {}, false)).toMatchObject({ ok: true });
    expect(failure(await dispatch(api, 'settings.get', {}, true))).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('outside the contract') });
  });
});

describe('EventBus', () => {
  it('delivers contract events and drops malformed ones', () => {
    const bus = new EventBus();
    const seen: DeskEvent[] = [];
    const off = bus.on((e) => seen.push(e));
    bus.emit('documentRemoved', { path: '/a.txt' });
    bus.emit('documentRemoved', { path: 3 } as never);
    off();
    bus.emit('indexIdle', {});
    expect(seen).toEqual([{ name: 'documentRemoved', payload: { path: '/a.txt' } }]);
  });
});

describe('DeskService (real core)', () => {
  let root: string;
  let docs: string;
  let service: DeskService;
  const seen: DeskEvent[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-service-'));
    docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'giraffes.txt'), 'The giraffe lives in the savanna of Africa and eats acacia leaves from tall trees.');
    writeFileSync(join(docs, 'rust.md'), '# Rust\n\nRust is a systems programming language focused on memory safety without garbage collection.');
    writeFileSync(join(docs, 'broken.pdf'), '%PDF-1.4\nthis is not a pdf body');
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), builtinModelDir: null, checkResponses: true, watch: false, threads: 1 });
    service.bus.on((e) => seen.push(e));
  });

  afterAll(async () => {
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('implements every contract method', () => {
    for (const name of methodNames) expect(typeof (service as unknown as Record<string, unknown>)[name], name).toBe('function');
  });

  it('starts with defaults and no model, and says so', async () => {
    const info = value(await service.handle('app.info', {})) as { model: unknown; shell: string };
    expect(info).toMatchObject({ shell: 'web', model: null, provider: null });
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: null, k: null, precision: 'int4', weights: 'int8', windowTokens: 320, overlapTokens: 64, maxFileMb: 50 });
    const ask = value(await service.handle('ask', { question: 'what do giraffes eat?' })) as { notes: string[]; mode: string };
    expect(ask.mode).toBe('search');
    expect(ask.notes.join(' ')).toMatch(/empty/i);
  });

  it('indexes a folder without a model: search results, a failed PDF with its reason', async () => {
    expect(value(await service.handle('folders.add', { path: docs }))).toEqual({ folders: [docs] });
    await service.whenIdle();
    const { documents } = value(await service.handle('indexing.documents', {})) as { documents: Array<{ path: string; status: string; code?: string; reason?: string }> };
    expect(documents.map((d) => [d.path, d.status])).toEqual([
      [join(docs, 'broken.pdf'), 'failed'],
      [join(docs, 'giraffes.txt'), 'done'],
      [join(docs, 'rust.md'), 'done'],
    ]);
    expect(documents[0].reason).toMatch(/pdf/i);
    const failed = value(await service.handle('indexing.documents', { status: 'failed' })) as { documents: unknown[] };
    expect(failed.documents).toHaveLength(1);

    const ask = value(await service.handle('ask', { question: 'memory safety language' })) as {
      mode: string;
      answers: unknown[];
      passages: Array<{ docPath: string; text: string; matches: Array<[number, number]> }>;
      notes: string[];
    };
    expect(ask.mode).toBe('search');
    expect(ask.answers).toEqual([]);
    expect(ask.passages[0].docPath).toBe(join(docs, 'rust.md'));
    const [s, e] = ask.passages[0].matches[0];
    expect(ask.passages[0].text.slice(s, e).toLowerCase()).toMatch(/memory|safety|language/);
    expect(ask.notes.join(' ')).toMatch(/No QA model/);

    const names = new Set(seen.map((e) => e.name));
    expect(names).toContain('indexProgress');
    expect(names).toContain('documentIndexed');
    expect(seen.find((e) => e.name === 'documentFailed')?.payload).toMatchObject({ path: join(docs, 'broken.pdf'), code: 'EXTRACT_FAILED' });
    for (const e of seen) expect(events[e.name].safeParse(e.payload).success, e.name).toBe(true);
  });

  it('opens only documents of the library (web: reports the path)', async () => {
    expect(value(await service.handle('documents.open', { path: join(docs, 'rust.md') }))).toEqual({ path: join(docs, 'rust.md'), how: 'reported' });
    expect(failure(await service.handle('documents.open', { path: '/etc/passwd' })).code).toBe('NOT_FOUND');
    expect(value(await service.handle('folders.pick', {}))).toEqual({ path: null });
  });

  it('adds folders by full path only: ~ is the home folder, a relative path is refused', () => {
    expect(folderPath('~/Documents', '/home/ann')).toBe('/home/ann/Documents');
    expect(folderPath(' ~ ', '/home/ann')).toBe('/home/ann');
    expect(folderPath('/data/notes', '/home/ann')).toBe('/data/notes');
    expect(() => folderPath('Documents', '/home/ann')).toThrow(/not a full path.*~\/Documents/);
    expect(() => folderPath('~ann/x', '/home/ann')).toThrow(/not a full path/);
  });

  it('validates settings updates and keeps them on disk', async () => {
    expect(failure(await service.handle('settings.update', { windowTokens: 64, overlapTokens: 64 })).code).toBe('BAD_REQUEST');
    expect(failure(await service.handle('settings.update', { precision: 'fp8' })).code).toBe('BAD_REQUEST');
    expect(failure(await service.handle('settings.update', { weights: 'int4' })).code).toBe('BAD_REQUEST');
    expect(failure(await service.handle('settings.update', { maxFileMb: 0.000001 })).code).toBe('BAD_REQUEST');
    expect(value(await service.handle('settings.update', { shortcut: 'Alt+Space' }))).toMatchObject({ shortcut: 'Alt+Space' });
    expect(seen.at(-1)).toMatchObject({ name: 'settingsChanged', payload: { shortcut: 'Alt+Space' } });
    expect(failure(await service.handle('models.use', { name: 'nope' })).code).toBe('MODEL_NOT_INSTALLED');
  });

  it('imports a model, makes it active, re-encodes, and answers inside the right passage', async () => {
    const model = value(await service.handle('models.import', { path: tinyBertDir })) as { name: string; active: boolean; layers: number };
    expect(model).toMatchObject({ name: 'tiny-bert-qa', active: true, layers: 4 });
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: 'tiny-bert-qa' });
    await service.whenIdle();
    const info = value(await service.handle('app.info', {})) as { model: { k: number } | null; provider: { name: string } | null };
    expect(info.model).toEqual({ name: 'tiny-bert-qa', arch: 'bert', layers: 4, k: recommendedK(4) });
    expect(info.provider?.name).toBe('cpu');

    const ask = value(await service.handle('ask', { question: 'what does the giraffe eat in the savanna?', maxAnswers: 3 })) as {
      mode: string;
      answers: Array<{ docPath: string; context: string; text: string; highlightStart: number; highlightEnd: number; charStart: number; charEnd: number; contextStart: number }>;
    };
    expect(ask.mode).toBe('deformer');
    expect(ask.answers.length).toBeGreaterThan(0);
    const top = ask.answers[0];
    expect(top.docPath).toBe(join(docs, 'giraffes.txt'));
    expect(top.highlightStart).toBeGreaterThanOrEqual(0);
    expect(top.highlightEnd).toBeLessThanOrEqual(top.context.length);
    expect(top.context.slice(top.highlightStart, top.highlightEnd)).toBe(top.text);
    expect(top.contextStart + top.highlightStart).toBe(top.charStart);
    // The viewer's text: answer and passage offsets index it.
    const doc = value(await service.handle('documents.text', { path: top.docPath })) as { text: string };
    expect(doc.text.slice(top.charStart, top.charEnd)).toBe(top.text);
    expect(doc.text.slice(top.contextStart, top.contextStart + top.context.length)).toBe(top.context);
    expect(failure(await service.handle('documents.text', { path: '/etc/passwd' })).code).toBe('NOT_FOUND');

    const tooDeep = failure(await service.handle('settings.update', { k: 48 }));
    expect(tooDeep).toMatchObject({ code: 'BAD_REQUEST' });
    expect(tooDeep.message).toMatch(/between 0 and 4/);
    const k2 = value(await service.handle('settings.update', { k: 2 })) as { k: number };
    expect(k2.k).toBe(2);
    await service.whenIdle();
    expect((value(await service.handle('app.info', {})) as { model: { k: number } }).model.k).toBe(2);
    const again = value(await service.handle('ask', { question: 'giraffe acacia leaves' })) as { mode: string; answers: Array<{ docPath: string }> };
    expect(again.mode).toBe('deformer');
    expect(again.answers[0].docPath).toBe(join(docs, 'giraffes.txt'));

    // fp16 states with int8 weights: the indexer lowers in int8 and the reader's question follows
    // (one identity on both sides, else the read side would refuse the cache); then exact weights.
    for (const update of [{ precision: 'fp16' }, { weights: 'fp32' }] as const) {
      expect(value(await service.handle('settings.update', update))).toMatchObject(update);
      await service.whenIdle();
      const after = value(await service.handle('ask', { question: 'giraffe acacia leaves' })) as { mode: string; answers: Array<{ docPath: string }> };
      expect(after.mode).toBe('deformer');
      expect(after.answers[0].docPath).toBe(join(docs, 'giraffes.txt'));
    }
  });

  it('rolls a model switch back whole when the library cannot load the model', async () => {
    const copy = join(root, 'other-bert');
    cpSync(tinyBertDir, copy, { recursive: true });
    // Installed the way the CLI does (no switch: a model is already active), so no re-encode here.
    await new ModelManager({ modelsDir: join(root, 'app', 'models') }).importFolder(copy);
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: 'tiny-bert-qa' });
    truncateSync(join(root, 'app', 'models', 'other-bert', 'model.safetensors'), 100);
    const refused = failure(await service.handle('models.use', { name: 'other-bert' }));
    expect(refused.code).toMatch(/^CHECKPOINT_/);
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: 'tiny-bert-qa', k: 2 });
    expect((value(await service.handle('ask', { question: 'giraffe acacia' })) as { mode: string }).mode).toBe('deformer');
    value(await service.handle('models.remove', { name: 'other-bert' }));
  });

  it('corrects a stored k that does not fit the model and says so', async () => {
    await service.close();
    const file = join(root, 'app', 'settings.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), k: 9 }));
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), checkResponses: true, watch: false, threads: 1 });
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: 'tiny-bert-qa', k: null });
    const info = value(await service.handle('app.info', {})) as { model: { k: number }; notices?: string[] };
    expect(info.model.k).toBe(recommendedK(4));
    expect(info.notices?.join(' ')).toMatch(/k 9 does not fit the model "tiny-bert-qa" \(4 layers\)/);
    value(await service.handle('settings.update', { k: 2 }));
    await service.whenIdle();
  });

  it('pauses and resumes indexing', async () => {
    expect(value(await service.handle('indexing.pause', {}))).toMatchObject({ paused: true });
    expect(value(await service.handle('indexing.status', {}))).toMatchObject({ paused: true });
    expect(value(await service.handle('indexing.resume', {}))).toMatchObject({ paused: false });
  });

  it('reopens with the same settings, model and library', async () => {
    await service.close();
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), builtinModelDir: null, checkResponses: true, watch: false, threads: 1 });
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: 'tiny-bert-qa', k: 2, shortcut: 'Alt+Space' });
    expect(value(await service.handle('folders.list', {}))).toEqual({ folders: [docs] });
    const models = value(await service.handle('models.list', {})) as { models: Array<{ name: string; active: boolean }>; catalogue: unknown[] };
    expect(models.models).toEqual([expect.objectContaining({ name: 'tiny-bert-qa', active: true })]);
    expect(models.catalogue.length).toBeGreaterThan(0);
    await service.whenIdle();
    const ask = value(await service.handle('ask', { question: 'giraffe acacia' })) as { mode: string };
    expect(ask.mode).toBe('deformer');
  });

  it('removing the active model falls back to search-only', async () => {
    const { models } = value(await service.handle('models.remove', { name: 'tiny-bert-qa' })) as { models: unknown[] };
    expect(models).toEqual([]);
    expect(value(await service.handle('settings.get', {}))).toMatchObject({ model: null });
    await service.whenIdle();
    expect((value(await service.handle('ask', { question: 'giraffe' })) as { mode: string }).mode).toBe('search');
  });
});

describe('DeskService indexer crash', () => {
  it('restarts a crashed indexer process and keeps serving', async () => {
    const root = mkdtempSync(join(tmpdir(), 'desk-crash-'));
    const docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'otters.txt'), 'Sea otters hold hands while they sleep so they do not drift apart.');
    const hosts: IndexerHost[] = [];
    const service = await DeskService.open({
      shell: 'web',
      appDataDir: join(root, 'app'),
      builtinModelDir: null,
      watch: false,
      checkResponses: true,
      startIndexer: async (options) => {
        const host = await IndexerHost.fork(options);
        hosts.push(host);
        return host;
      },
    });
    try {
      value(await service.handle('folders.add', { path: docs }));
      await service.whenIdle();
      process.kill(hosts[0].pid!, 'SIGKILL');
      await expect.poll(() => hosts.length, { timeout: 30_000 }).toBe(2);
      expect(value(await service.handle('folders.list', {}))).toEqual({ folders: [docs] });
      const ask = value(await service.handle('ask', { question: 'otters sleep' })) as { passages: Array<{ docPath: string }> };
      expect(ask.passages[0].docPath).toBe(join(docs, 'otters.txt'));
    } finally {
      await service.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
