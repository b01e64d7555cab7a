import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibraryStore } from '../store/store';
import { tinyBertDir } from '../testing/paths';
import { doctorReport, formatDoctorReport } from './doctor';
import { ModelManager } from './model-manager';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'hub-doctor-'));
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe('doctorReport', () => {
  it('reports providers, what auto runs on, models and the cache', async () => {
    const modelsDir = join(work, 'models');
    const model = await new ModelManager({ modelsDir }).importFolder(tinyBertDir);
    const dbDir = join(work, 'library');
    const identity = { modelFingerprint: model.meta.fingerprint, k: 2, passageOffset: 0, precision: 'fp32' as const, windowTokens: 320, overlapTokens: 64 };
    await LibraryStore.open(dbDir, identity).close();

    const report = await doctorReport({ modelsDir, dbDir });
    expect(report.providers.map((p) => p.name)).toEqual(ort.listSupportedBackends().map((b) => b.name));
    expect(report.providers.find((p) => p.name === 'cpu')).toMatchObject({ bundled: true, note: 'always available' });
    expect(report.providers.map((p) => p.name)).toContain(report.auto.name);
    expect(report.auto.reason.length).toBeGreaterThan(0);
    const cudaMissing = report.providers.find((p) => p.name === 'cuda')?.note.endsWith('not installed');
    if (cudaMissing && process.arch === 'x64' && process.platform !== 'darwin') {
      expect(report.cudaHint).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    }
    expect(report.models).toMatchObject({ dir: modelsDir, active: 'tiny-bert-qa', partial: [] });
    expect(report.models.installed).toEqual([expect.objectContaining({ name: 'tiny-bert-qa', arch: 'bert', layers: 4, hidden: 32, source: 'import' })]);
    expect(report.models.installed[0].bytes).toBeGreaterThan(4_000_000);
    expect(report.cache).toMatchObject({ exists: true, identity, matchesActiveModel: true, stats: { documents: 0, passages: 0 } });

    const text = formatDoctorReport(report);
    expect(text).toMatch(/auto runs on: \w+/);
    expect(text).toMatch(/\*tiny-bert-qa {2}bert 4x32/);
    expect(text).toContain('0 documents, 0 passages');
  });

  it('says when there is no model and no library yet', async () => {
    const report = await doctorReport({
      modelsDir: join(work, 'none'),
      dbDir: join(work, 'no-library'),
      probe: async () => ({ name: 'cpu', reason: 'requested' }),
    });
    expect(report.models.installed).toEqual([]);
    expect(report.cache).toEqual({ dir: join(work, 'no-library'), exists: false });
    const text = formatDoctorReport(report);
    expect(text).toContain('none installed');
    expect(text).toContain('no library here yet');
  });
});
