import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { ModelManager } from './model-manager';
import { type FakeHub, startFakeHub } from './testing/fake-hub';
import { fixtureRepo, fixtureRepoId } from './testing/fixture-repo';

let modelsDir: string;
let hub: FakeHub;
beforeAll(async () => {
  hub = await startFakeHub(fixtureRepo());
});
afterAll(() => hub.close());
beforeEach(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'hub-manager-'));
});
afterEach(() => rm(modelsDir, { recursive: true, force: true }));

const manager = () => new ModelManager({ modelsDir, endpoint: hub.url, env: {} });

describe('ModelManager', () => {
  it('lists, gets, activates and removes installed models', async () => {
    const models = manager();
    expect(await models.list()).toEqual([]);
    expect(await models.active()).toBeUndefined();

    await models.importFolder(tinyBertDir);
    expect((await models.active())?.name).toBe('tiny-bert-qa'); // the first model becomes active
    await models.importFolder(tinyDistilBertDir);
    expect((await models.list()).map((m) => [m.name, m.meta.arch])).toEqual([
      ['tiny-bert-qa', 'bert'],
      ['tiny-distilbert-qa', 'distilbert'],
    ]);

    await models.setActive('tiny-distilbert-qa');
    expect(JSON.parse(readFileSync(join(modelsDir, 'active.json'), 'utf-8'))).toEqual({ name: 'tiny-distilbert-qa' });
    expect((await manager().active())?.meta.arch).toBe('distilbert'); // persisted for a new manager

    await models.remove('tiny-distilbert-qa');
    expect(await models.active()).toBeUndefined();
    expect(existsSync(join(modelsDir, 'tiny-distilbert-qa'))).toBe(false);
    expect((await models.list()).map((m) => m.name)).toEqual(['tiny-bert-qa']);
  });

  it('answers an unknown name with MODEL_NOT_INSTALLED listing what is installed', async () => {
    const models = manager();
    await models.importFolder(tinyBertDir);
    for (const call of [() => models.setActive('nope'), () => models.remove('../tiny-bert-qa')]) {
      const err = await call().catch((e: unknown) => e);
      expect(isDeskError(err, 'MODEL_NOT_INSTALLED') && err.message).toMatch(/installed: tiny-bert-qa/);
    }
    expect(await models.get('..')).toBeUndefined();
  });

  it('pulls from the hub and finds the model by repo id', async () => {
    const models = manager();
    const pulled = await models.pull(fixtureRepoId);
    expect(pulled.name).toBe('desk-test--tiny-bert-qa');
    expect((await models.get(fixtureRepoId))?.meta.commit).toBe(pulled.meta.commit);
    expect((await models.active())?.name).toBe(pulled.name);
    await models.remove(fixtureRepoId);
    expect(await models.list()).toEqual([]);
  });

  it('lists partial pulls waiting to be resumed', async () => {
    hub.behaviour.dropAfter = { file: 'model.safetensors', bytes: 100_000, times: 1 };
    const models = manager();
    await models.pull(fixtureRepoId, { retries: 0 }).catch(() => undefined);
    const partial = await models.partialPulls();
    expect(partial).toHaveLength(1);
    expect(partial[0].name).toMatch(/^desk-test--tiny-bert-qa-[0-9a-f]{12}$/);
    expect(partial[0].bytes).toBeGreaterThan(0);
    delete hub.behaviour.dropAfter;
  });
});
