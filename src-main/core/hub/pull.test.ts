import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DeskError, isDeskError } from '../errors';
import { loadCheckpoint } from '../model/checkpoint';
import { readModelMeta } from './metadata';
import type { PullProgress } from './progress';
import { type PullOptions, pullModel } from './pull';
import { type FakeHub, startFakeHub } from './testing/fake-hub';
import { commits, fixtureBytes, fixtureFiles, fixtureRepo, fixtureRepoId } from './testing/fixture-repo';
import { startTestProxy } from './testing/test-proxy';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const modelName = 'desk-test--tiny-bert-qa';
const stagingName = `${modelName}-${commits.main.slice(0, 12)}`;

let hub: FakeHub;
let modelsDir: string;

beforeAll(async () => {
  hub = await startFakeHub(fixtureRepo());
});
afterAll(() => hub.close());
beforeEach(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'hub-pull-'));
  hub.requests.length = 0;
  for (const key of Object.keys(hub.behaviour)) delete hub.behaviour[key as keyof typeof hub.behaviour];
});
afterEach(() => rm(modelsDir, { recursive: true, force: true }));

const options = (extra: Partial<PullOptions> = {}): PullOptions => ({ modelsDir, endpoint: hub.url, env: {}, ...extra });

async function pullError(ref: string, extra: Partial<PullOptions> = {}): Promise<DeskError> {
  const err = await pullModel(ref, options(extra)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDeskError(err)) throw new Error(`expected a DeskError, got ${String(err)}`);
  return err;
}

/** What is left in the models folder besides an empty .incoming. */
function leftovers(): string[] {
  const incoming = join(modelsDir, '.incoming');
  return [...readdirSync(modelsDir).filter((f) => f !== '.incoming'), ...(existsSync(incoming) ? readdirSync(incoming).map((f) => `.incoming/${f}`) : [])];
}

describe('pullModel', () => {
  it('installs every file byte for byte, records metadata, and the checkpoint loads', async () => {
    const events: PullProgress[] = [];
    const model = await pullModel(fixtureRepoId, options({ token: 'hf_secret', onProgress: (p) => events.push(p) }));
    expect(model.dir).toBe(join(modelsDir, modelName));
    for (const file of fixtureFiles) expect(readFileSync(join(model.dir, file)).equals(fixtureBytes(file))).toBe(true);
    expect(existsSync(join(model.dir, 'README.md'))).toBe(false); // only the engine's files are fetched

    const meta = await readModelMeta(model.dir);
    expect(meta).toMatchObject({ source: 'hub', repo: fixtureRepoId, revision: 'main', commit: commits.main, arch: 'bert', layers: 4, hidden: 32 });
    const recorded = Object.fromEntries(meta!.files.map((f) => [f.name, f.sha256]));
    for (const file of fixtureFiles) expect(recorded[file]).toBe(sha256(fixtureBytes(file)));
    expect(meta!.fingerprint).toBe((await loadCheckpoint(model.dir)).fingerprint);

    // The LFS file went through the CDN redirect; the token went to the hub only.
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    expect(cdn.map((r) => r.path)).toEqual([expect.stringContaining(`/cdn/${sha256(fixtureBytes('model.safetensors'))}`)]);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
    expect(hub.requests.filter((r) => r.server === 'hub').every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    expect(hub.requests.some((r) => r.path.includes(`/resolve/${commits.main}/model.safetensors`))).toBe(true);

    const total = fixtureFiles.reduce((sum, f) => sum + fixtureBytes(f).length, 0);
    const last = events.at(-1)!;
    expect(last.phase).toBe('done');
    expect(events.some((e) => e.phase === 'download' && e.file === 'model.safetensors' && e.fileBytes === e.fileTotal)).toBe(true);
    expect(Math.max(...events.map((e) => e.bytes))).toBe(total);
    expect(events.find((e) => e.total !== undefined)?.total).toBe(total);
    expect(leftovers()).toEqual([modelName]);
  });

  it('does nothing but resolve when that commit is already installed', async () => {
    await pullModel(fixtureRepoId, options());
    hub.requests.length = 0;
    await pullModel(`${fixtureRepoId}@main`, options());
    expect(hub.requests.map((r) => r.path)).toEqual([`/api/models/${fixtureRepoId}/revision/main?blobs=true`]);
  });

  it('keeps the .part of an interrupted pull and resumes it with Range on the next run', async () => {
    hub.behaviour.dropAfter = { file: 'model.safetensors', bytes: 1_000_000, times: 1 };
    const err = await pullError(fixtureRepoId, { retries: 0 });
    expect(err.code).toBe('HUB_OFFLINE');
    expect(err.message).toMatch(/model\.safetensors.*run the pull again to resume/);
    const part = join(modelsDir, '.incoming', stagingName, 'model.safetensors.part');
    const kept = (await stat(part)).size; // what arrived before the cut (Node may drop its last unread chunk)
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1_000_000);
    expect(existsSync(join(modelsDir, modelName))).toBe(false);

    hub.requests.length = 0;
    const model = await pullModel(fixtureRepoId, options());
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    expect(readFileSync(join(model.dir, 'model.safetensors')).equals(fixtureBytes('model.safetensors'))).toBe(true);
    await loadCheckpoint(model.dir);
    expect(leftovers()).toEqual([modelName]);
  });

  it('resumes a dropped connection within the same pull', async () => {
    hub.behaviour.dropAfter = { file: 'model.safetensors', bytes: 300_000, times: 2 };
    const model = await pullModel(fixtureRepoId, options());
    const ranges = hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range);
    expect(ranges).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/), expect.stringMatching(/^bytes=\d+-$/)]);
    const [first, second] = ranges.slice(1).map((r) => Number(/\d+/.exec(r!)![0]));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(readFileSync(join(model.dir, 'model.safetensors')).equals(fixtureBytes('model.safetensors'))).toBe(true);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    hub.behaviour.dropAfter = { file: 'model.safetensors', bytes: 500_000, times: 1 };
    await pullError(fixtureRepoId, { retries: 0 });
    hub.behaviour.ignoreRange = true;
    const model = await pullModel(fixtureRepoId, options());
    expect(hub.requests.filter((r) => r.server === 'cdn').at(-1)?.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(join(model.dir, 'model.safetensors')).equals(fixtureBytes('model.safetensors'))).toBe(true);
  });

  it('detects a corrupted file, installs nothing, and a retry starts clean', async () => {
    hub.behaviour.corrupt = 'model.safetensors';
    const err = await pullError(fixtureRepoId);
    expect(err.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(err.message).toContain('model.safetensors');
    expect(err.details).toMatchObject({ file: 'model.safetensors', expected: sha256(fixtureBytes('model.safetensors')) });
    expect(existsSync(join(modelsDir, modelName))).toBe(false);
    expect(existsSync(join(modelsDir, '.incoming', stagingName, 'model.safetensors.part'))).toBe(false);

    delete hub.behaviour.corrupt;
    hub.requests.length = 0;
    await pullModel(fixtureRepoId, options());
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([undefined]);
  });

  it('detects a corrupted non-LFS file by its git blob id (same size, one byte flipped)', async () => {
    hub.behaviour.corrupt = 'vocab.txt';
    const err = await pullError(fixtureRepoId);
    expect(err.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(err.details).toMatchObject({ file: 'vocab.txt', check: 'git blob id' });
    expect(existsSync(join(modelsDir, modelName))).toBe(false);
  });

  it('answers a missing repo, revision or safetensors file with HUB_NOT_FOUND naming it', async () => {
    const repo = await pullError('desk-test/no-such-model');
    expect(repo.code).toBe('HUB_NOT_FOUND');
    expect(repo.message).toContain('desk-test/no-such-model');

    const revision = await pullError(`${fixtureRepoId}@v9`);
    expect(revision.code).toBe('HUB_NOT_FOUND');
    expect(revision.message).toContain('"v9"');

    const old = await pullError(`${fixtureRepoId}@old`);
    expect(old.code).toBe('HUB_NOT_FOUND');
    expect(old.message).toMatch(/no model\.safetensors \(only pytorch_model\.bin\).*refs\/pr\/N/);
    expect(leftovers()).toEqual([]);
  });

  it('tolerates a 404 on an optional file', async () => {
    hub.behaviour.missing = 'special_tokens_map.json';
    const model = await pullModel(fixtureRepoId, options());
    expect(existsSync(join(model.dir, 'special_tokens_map.json'))).toBe(false);
    expect((await readModelMeta(model.dir))!.files.map((f) => f.name)).not.toContain('special_tokens_map.json');
  });

  it('builds tokenizer.json from vocab.txt when the revision has none (refs/pr/N quoted in URLs)', async () => {
    const model = await pullModel(`${fixtureRepoId}@refs/pr/3`, options());
    expect(hub.requests[0].path).toBe(`/api/models/${fixtureRepoId}/revision/refs%2Fpr%2F3?blobs=true`);
    const meta = await readModelMeta(model.dir);
    expect(meta).toMatchObject({ commit: commits.pr3, revision: 'refs/pr/3', tokenizerSynthesized: true });
    expect(JSON.parse(readFileSync(join(model.dir, 'tokenizer.json'), 'utf-8'))).toEqual(JSON.parse(fixtureBytes('tokenizer.json').toString()));
  });

  it('answers a gated repo with HUB_UNAUTHORIZED and succeeds with the token', async () => {
    hub.behaviour.requireToken = 'hf_gate';
    const err = await pullError(fixtureRepoId);
    expect(err.code).toBe('HUB_UNAUTHORIZED');
    expect(err.message).toMatch(/accept the licence on the hub and set HF_TOKEN/);
    const model = await pullModel(fixtureRepoId, options({ env: { HF_TOKEN: 'hf_gate' } }));
    expect(existsSync(join(model.dir, 'model.safetensors'))).toBe(true);
  });

  it('leaves nothing behind when cancelled mid-download', async () => {
    hub.behaviour.slow = { file: 'model.safetensors', ms: 5 };
    const controller = new AbortController();
    const err = await pullError(fixtureRepoId, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.fileBytes > 200_000) controller.abort();
      },
    });
    expect(err.code).toBe('HUB_CANCELLED');
    expect(leftovers()).toEqual([]);
  });

  it('reports HUB_OFFLINE when nothing listens', async () => {
    const server = http.createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((done) => server.close(() => done()));
    const err = await pullError(fixtureRepoId, { endpoint: `http://127.0.0.1:${port}` });
    expect(err.code).toBe('HUB_OFFLINE');
    expect(err.message).toMatch(/cannot reach 127\.0\.0\.1:\d+.*set HTTPS_PROXY/);
  });

  it('checks free space first and reports both numbers', async () => {
    const err = await pullError(fixtureRepoId, { freeBytes: async () => 1_000_000 });
    expect(err.code).toBe('HUB_DISK_FULL');
    expect(err.details).toMatchObject({ available: 1_000_000 });
    expect(err.message).toMatch(/needs 4\.\d MB, only 977 KB free/);
    expect(hub.requests.some((r) => r.path.includes('/resolve/'))).toBe(false);
  });

  it('honours HF_ENDPOINT and HTTP_PROXY / NO_PROXY', async () => {
    const proxy = await startTestProxy();
    try {
      await pullModel(fixtureRepoId, { modelsDir, env: { HF_ENDPOINT: hub.url, HTTP_PROXY: proxy.url } });
      expect(proxy.log.some((r) => r.target.startsWith(`${hub.url}/api/models/`))).toBe(true);
      expect(proxy.log.some((r) => r.target.startsWith(`${hub.cdnUrl}/cdn/`))).toBe(true);

      await rm(join(modelsDir, modelName), { recursive: true });
      proxy.log.length = 0;
      await pullModel(fixtureRepoId, { modelsDir, env: { HF_ENDPOINT: hub.url, HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
      expect(proxy.log).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('uses the catalogue sha256 when the hub publishes none', async () => {
    hub.behaviour.corrupt = 'vocab.txt';
    hub.behaviour.noBlobIds = true; // a mirror that lists no blob ids: only the catalogue's hash can tell
    const err = await pullError(fixtureRepoId, { knownSha256: { 'vocab.txt': sha256(fixtureBytes('vocab.txt')) } });
    expect(err.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(err.details).toMatchObject({ file: 'vocab.txt', check: 'sha256' });
    expect((await readdir(modelsDir)).filter((f) => !f.startsWith('.'))).toEqual([]);
  });
});
