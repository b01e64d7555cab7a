import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from '../model/checkpoint';
import { type InstalledModel, type ModelMeta, modelMetaFile, writeJsonAtomic } from './metadata';

/** Staging folders (partial downloads, imports being unpacked) live here, on the models' own filesystem. */
export const incomingDirName = '.incoming';

export function incomingDir(modelsDir: string): string {
  return join(modelsDir, incomingDirName);
}

/** A fresh, unique staging folder under `<modelsDir>/.incoming/`. */
export async function makeStagingDir(modelsDir: string, prefix: string): Promise<string> {
  const dir = join(incomingDir(modelsDir), `${prefix}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The record minus what validation fills in (fingerprint, arch, sizes, time). */
export type PendingMeta = Omit<ModelMeta, 'schema' | 'fingerprint' | 'arch' | 'layers' | 'hidden' | 'installedAt'>;

/**
 * Validates a complete staging folder with loadCheckpoint (its DeskError propagates), writes
 * desk-model.json there, and renames the folder to `<modelsDir>/<name>`: the model appears whole
 * or not at all. An installed model of the same name is replaced the same way.
 */
export async function installStaged(stagingDir: string, modelsDir: string, pending: PendingMeta): Promise<InstalledModel> {
  const checkpoint = await loadCheckpoint(stagingDir);
  const meta: ModelMeta = {
    schema: 1,
    ...pending,
    installedAt: new Date().toISOString(),
    fingerprint: checkpoint.fingerprint,
    arch: checkpoint.config.arch,
    layers: checkpoint.config.layers,
    hidden: checkpoint.config.hidden,
  };
  await writeJsonAtomic(join(stagingDir, modelMetaFile), meta);
  const target = join(modelsDir, pending.name);
  const hasOld = Boolean(await stat(target).catch(() => null));
  const trash = join(incomingDir(modelsDir), `.replaced-${pending.name}-${randomBytes(4).toString('hex')}`);
  if (hasOld) await rename(target, trash);
  try {
    await rename(stagingDir, target);
  } catch (err) {
    if (hasOld) await rename(trash, target).catch(() => {});
    throw err;
  }
  if (hasOld) await rm(trash, { recursive: true, force: true });
  return { name: pending.name, dir: target, meta };
}
