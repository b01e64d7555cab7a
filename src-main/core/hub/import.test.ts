import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeskError, isDeskError } from '../errors';
import { loadCheckpoint } from '../model/checkpoint';
import { tinyBertDir } from '../testing/paths';
import { importModel } from './import';
import { readModelMeta } from './metadata';
import { fixtureBytes, fixtureFiles } from './testing/fixture-repo';
import { makeZip } from '../text/zip-writer';

let work: string;
let modelsDir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'hub-import-'));
  modelsDir = join(work, 'models');
});
afterEach(() => rm(work, { recursive: true, force: true }));

async function importError(source: string, extra: { name?: string } = {}): Promise<DeskError> {
  const err = await importModel(source, { modelsDir, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDeskError(err)) throw new Error(`expected a DeskError, got ${String(err)}`);
  return err;
}

/** Installed folders besides .incoming, and anything left inside .incoming. */
const leftovers = () => [
  ...readdirSync(modelsDir).filter((f) => f !== '.incoming'),
  ...(existsSync(join(modelsDir, '.incoming')) ? readdirSync(join(modelsDir, '.incoming')) : []),
];

const zipOf = (prefix: string, files = fixtureFiles) => makeZip(files.map((f) => ({ name: `${prefix}${f}`, data: fixtureBytes(f) })));

describe('importModel', () => {
  it('imports a checkpoint folder: model files copied, others not, validated, recorded', async () => {
    const model = await importModel(tinyBertDir, { modelsDir });
    expect(model.name).toBe('tiny-bert-qa');
    for (const f of fixtureFiles) expect(readFileSync(join(model.dir, f)).equals(fixtureBytes(f))).toBe(true);
    expect(existsSync(join(model.dir, 'golden.json'))).toBe(false);
    const meta = await readModelMeta(model.dir);
    expect(meta).toMatchObject({ source: 'import', importedFrom: tinyBertDir, arch: 'bert', layers: 4 });
    expect(meta!.fingerprint).toBe((await loadCheckpoint(model.dir)).fingerprint);
    expect(leftovers()).toEqual(['tiny-bert-qa']);
  });

  it('imports a .zip with one top-level folder', async () => {
    const zip = join(work, 'my model.zip');
    await writeFile(zip, zipOf('tiny-bert-qa/'));
    const model = await importModel(zip, { modelsDir });
    expect(model.name).toBe('my-model');
    expect(readFileSync(join(model.dir, 'model.safetensors')).equals(fixtureBytes('model.safetensors'))).toBe(true);
    await loadCheckpoint(model.dir);
    expect(leftovers()).toEqual(['my-model']);
  });

  it('imports a .zip with the files at its top, under a chosen name', async () => {
    const zip = join(work, 'flat.zip');
    await writeFile(zip, zipOf(''));
    const model = await importModel(zip, { modelsDir, name: 'Tiny QA' });
    expect(model.name).toBe('Tiny-QA');
    expect((await readModelMeta(model.dir))!.importedFrom).toBe(zip);
  });

  it("refuses a folder without model.safetensors with the loader's code, naming the folder", async () => {
    const src = join(work, 'no-weights');
    await mkdir(src);
    for (const f of fixtureFiles.filter((f) => f !== 'model.safetensors')) await writeFile(join(src, f), fixtureBytes(f));
    await writeFile(join(src, 'pytorch_model.bin'), 'pickle');
    const err = await importError(src);
    expect(err.code).toBe('CHECKPOINT_MISSING_FILE');
    expect(err.message).toContain(`${src} is missing model.safetensors`);
    expect(err.message).toMatch(/safe_serialization=True/);
    expect(err.message).not.toContain('.incoming');
    expect(leftovers()).toEqual([]);
  });

  it('refuses a checkpoint whose weights do not match its config', async () => {
    const src = join(work, 'bad-config');
    await cp(tinyBertDir, src, { recursive: true });
    const config = JSON.parse(fixtureBytes('config.json').toString());
    await writeFile(join(src, 'config.json'), JSON.stringify({ ...config, hidden_size: 64, intermediate_size: 128 }));
    const err = await importError(src);
    expect(err.code).toMatch(/^CHECKPOINT_(SHAPE_MISMATCH|BAD_WEIGHTS)$/);
    expect(leftovers()).toEqual([]);
  });

  it('refuses zip entries that would land outside the folder (zip slip)', async () => {
    const zip = join(work, 'evil.zip');
    await writeFile(zip, makeZip([{ name: 'config.json', data: fixtureBytes('config.json') }, { name: '../escaped.txt', data: Buffer.from('x') }]));
    const err = await importError(zip);
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/outside the folder/);
    expect(existsSync(join(modelsDir, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(modelsDir, '.incoming', 'escaped.txt'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses symbolic links in a zip and files that are not zips', async () => {
    const zip = join(work, 'link.zip');
    await writeFile(zip, makeZip([{ name: 'config.json', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]));
    expect((await importError(zip)).message).toMatch(/symbolic link/);
    const fake = join(work, 'fake.zip');
    await writeFile(fake, 'not a zip at all');
    expect((await importError(fake)).code).toBe('FILE_UNREADABLE');
  });

  it('builds tokenizer.json from vocab.txt when the folder has none', async () => {
    const src = join(work, 'vocab-only');
    await mkdir(src);
    for (const f of fixtureFiles.filter((f) => f !== 'tokenizer.json')) await writeFile(join(src, f), fixtureBytes(f));
    const model = await importModel(src, { modelsDir });
    expect((await readModelMeta(model.dir))!.tokenizerSynthesized).toBe(true);
    expect(JSON.parse(readFileSync(join(model.dir, 'tokenizer.json'), 'utf-8'))).toEqual(JSON.parse(fixtureBytes('tokenizer.json').toString()));
  });

  it('refuses a name already installed unless asked to replace it', async () => {
    await importModel(tinyBertDir, { modelsDir });
    expect((await importError(tinyBertDir)).message).toMatch(/already installed/);
    const again = await importModel(tinyBertDir, { modelsDir, replace: true });
    expect(again.name).toBe('tiny-bert-qa');
    expect(leftovers()).toEqual(['tiny-bert-qa']);
  });
});
