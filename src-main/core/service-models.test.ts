import { recommendedK } from './model/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRandomCheckpoint } from '../../models/random-checkpoint';
import type { DeskEvent, ResponseOf, Result } from './contract';
import { ModelManager } from './hub/model-manager';
import { DeskService } from './service';
import { tinyBertDir } from './testing/paths';

/**
 * The built-in model and the models folder as one source of truth: a real service over a small
 * random checkpoint that carries a `deformer` block (as the shipped model does), and a second
 * ModelManager on the same folder standing in for the CLI in another process.
 */

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('DeskService with a built-in model', () => {
  let root: string;
  let builtinDir: string;
  let modelsDir: string;
  let service: DeskService;
  let cli: ModelManager;
  const seen: DeskEvent[] = [];
  const list = async () => value(await service.handle('models.list', {})) as ResponseOf<'models.list'>;
  const settings = async () => value(await service.handle('settings.get', {})) as ResponseOf<'settings.get'>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'desk-builtin-'));
    builtinDir = await makeRandomCheckpoint({
      arch: 'bert', layers: 4, hidden: 32, heads: 2, ffn: 64, seed: 7,
      out: join(root, 'builtin', 'deformer-test-l4'),
      deformer: { k: 1, trainedK: [1, 2] },
    });
    modelsDir = join(root, 'models');
    const docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'tea.txt'), 'The first flush harvest of Darjeeling tea begins in March and ends in April.');
    service = await DeskService.open({ shell: 'web', appDataDir: join(root, 'app'), modelsDir, builtinModelDir: builtinDir, checkResponses: true, watch: false, threads: 1 });
    service.bus.on((e) => seen.push(e));
    cli = new ModelManager({ modelsDir, builtinDir });
    value(await service.handle('folders.add', { path: docs }));
    await service.whenIdle();
  });

  afterAll(async () => {
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers with the built-in model on a fresh machine, at the k its config was trained for', async () => {
    expect(await settings()).toMatchObject({ model: 'deformer-test-l4', k: null });
    const info = value(await service.handle('app.info', {})) as ResponseOf<'app.info'>;
    expect(info.model).toEqual({ name: 'deformer-test-l4', arch: 'bert', layers: 4, k: 1 });
    const { models } = await list();
    expect(models).toEqual([expect.objectContaining({ name: 'deformer-test-l4', builtin: true, active: true, defaultK: 1, trainedK: [1, 2], layers: 4 })]);
    const ask = value(await service.handle('ask', { question: 'When does the first flush harvest begin?' })) as ResponseOf<'ask'>;
    expect(ask.mode).toBe('deformer');
    expect(ask.answers[0].docPath).toMatch(/tea\.txt$/);
  });

  it('never removes the built-in model, from the app or the CLI', async () => {
    const refused = await service.handle('models.remove', { name: 'deformer-test-l4' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('built into the app') } });
    await expect(cli.remove('deformer-test-l4')).rejects.toThrow(/built into the app/);
    expect((await list()).models).toHaveLength(1);
  });

  it('an imported model is put in use; a stock checkpoint gets recommendedK (n/6) and no trained split', async () => {
    const model = value(await service.handle('models.import', { path: tinyBertDir })) as ResponseOf<'models.import'>;
    expect(model).toMatchObject({ name: 'tiny-bert-qa', active: true, builtin: false, defaultK: recommendedK(4) });
    expect(model.trainedK).toBeUndefined();
    expect((await settings()).model).toBe('tiny-bert-qa');
    expect(seen.some((e) => e.name === 'modelsChanged' && e.payload.models.some((m) => m.name === 'tiny-bert-qa' && m.active))).toBe(true);
  });

  it('follows the CLI: `model use` switches the app, `model remove` of the model in use falls back to the built-in one', async () => {
    await cli.setActive('deformer-test-l4');
    await expect.poll(async () => (await settings()).model, { timeout: 20_000 }).toBe('deformer-test-l4');
    await cli.setActive('tiny-bert-qa');
    await expect.poll(async () => (await settings()).model, { timeout: 20_000 }).toBe('tiny-bert-qa');
    const before = seen.length;
    await cli.remove('tiny-bert-qa');
    const pushed = () => seen.slice(before).filter((e) => e.name === 'modelsChanged').at(-1);
    await expect.poll(() => pushed()?.payload.models.map((m) => [m.name, m.active]), { timeout: 20_000 }).toEqual([['deformer-test-l4', true]]);
    expect((await settings()).model).toBe('deformer-test-l4');
    await service.whenIdle();
    const info = value(await service.handle('app.info', {})) as ResponseOf<'app.info'>;
    expect(info.model?.name).toBe('deformer-test-l4');
  });
});
