import { builtinModelName } from '../../models/builtin';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeHub, startFakeHub } from '../core/hub/testing/fake-hub';
import { fixtureRepo, fixtureRepoId } from '../core/hub/testing/fixture-repo';
import { tinyBertDir } from '../core/testing/paths';
import { run as doctor } from './doctor';
import { run as model } from './model';

let dir: string;
let hub: FakeHub;
let out: string[];
beforeAll(async () => {
  hub = await startFakeHub(fixtureRepo());
});
afterAll(() => hub.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-model-'));
  out = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('cli model / doctor', () => {
  it('imports, lists, switches, pulls and removes models', async () => {
    const models = ['--models', dir];
    expect(await model(['import', tinyBertDir, ...models])).toBe(0);
    vi.stubEnv('HF_ENDPOINT', hub.url);
    vi.stubEnv('HTTP_PROXY', '');
    vi.stubEnv('http_proxy', '');
    expect(await model(['pull', fixtureRepoId, ...models])).toBe(0);
    expect(out.join('\n')).toMatch(/installed desk-test--tiny-bert-qa at [0-9a-f]{12}/);

    out.length = 0;
    expect(await model(['list', '--json', ...models])).toBe(0);
    const listed = JSON.parse(out.join('\n'));
    expect(listed.active).toBe('tiny-bert-qa');
    // The built-in model is listed first, always (models/builtin ships with the repository).
    expect(listed.installed.map((m: { name: string }) => m.name)).toEqual([builtinModelName, 'desk-test--tiny-bert-qa', 'tiny-bert-qa']);
    expect(listed.catalogue.length).toBeGreaterThanOrEqual(4);

    expect(await model(['use', fixtureRepoId, ...models])).toBe(0);
    out.length = 0;
    expect(await model(['list', ...models])).toBe(0);
    expect(out.join('\n')).toMatch(/\* desk-test--tiny-bert-qa/);

    expect(await model(['remove', 'tiny-bert-qa', ...models])).toBe(0);
    expect(existsSync(join(dir, 'tiny-bert-qa'))).toBe(false);

    out.length = 0;
    expect(await doctor(['--models', dir])).toBe(0);
    expect(out.join('\n')).toMatch(/auto runs on: \w+[\s\S]*\*desk-test--tiny-bert-qa/);
  });

  it('answers bad usage with exit code 2', async () => {
    expect(await model([])).toBe(2);
    expect(await model(['pull'])).toBe(2);
    expect(await model(['list', 'extra'])).toBe(2);
    expect(await doctor(['stray'])).toBe(2);
  });
});
