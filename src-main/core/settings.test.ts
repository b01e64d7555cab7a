import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAppDataDir, defaultSettings, mergeSettings, parseSettings, recommendedK, SettingsFile } from './settings';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'desk-settings-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('settings', () => {
  it('k = null means 3n/4 of the model, rounded down', () => {
    expect([recommendedK(12), recommendedK(6), recommendedK(4), recommendedK(1)]).toEqual([2, 1, 1, 1]);
  });

  it('a bad field falls back alone; the others survive', () => {
    const { settings, problems } = parseSettings({ ...defaultSettings, k: -3, shortcut: 'Alt+K', precision: 'int8', unknown: 1 });
    expect(settings).toEqual({ ...defaultSettings, shortcut: 'Alt+K', precision: 'int8' });
    expect(problems).toEqual([expect.stringMatching(/^k:/)]);
    expect(parseSettings({ windowTokens: 64, overlapTokens: 100 }).settings).toMatchObject({ windowTokens: 320, overlapTokens: 64 });
    expect(parseSettings('nonsense').settings).toEqual(defaultSettings);
  });

  it('merging refuses an overlap as large as the window and anything outside the schema', () => {
    expect(() => mergeSettings(defaultSettings, { overlapTokens: 320 })).toThrow(/overlap/);
    expect(() => mergeSettings(defaultSettings, { maxFileMb: -1 })).toThrow();
    expect(mergeSettings(defaultSettings, { k: 2 })).toEqual({ ...defaultSettings, k: 2 });
  });

  it('weights is int8 or fp32 only: a settings file from before it gets the default, a bad value falls back alone, an update is refused', () => {
    const { weights: _weights, ...older } = defaultSettings;
    expect(parseSettings(older).settings.weights).toBe(defaultSettings.weights);
    const other = defaultSettings.weights === 'int8' ? 'fp32' : 'int8';
    expect(parseSettings({ ...defaultSettings, weights: other }).settings.weights).toBe(other);
    const bad = parseSettings({ ...defaultSettings, weights: 'int4', precision: 'int3' });
    expect(bad.settings).toEqual({ ...defaultSettings, precision: 'int3' });
    expect(bad.problems).toEqual([expect.stringMatching(/^weights:/)]);
    expect(() => mergeSettings(defaultSettings, { weights: 'fp16' as 'fp32' })).toThrow();
    expect(mergeSettings(defaultSettings, { weights: other }).weights).toBe(other);
  });

  it('round-trips through the file, which starts absent and survives corruption', async () => {
    const dir = tempDir();
    const first = await SettingsFile.open(dir);
    expect(first.isNew).toBe(true);
    expect(first.get()).toEqual(defaultSettings);
    await first.update({ model: 'm', k: 4 });
    expect(first.isNew).toBe(false);
    const again = await SettingsFile.open(dir);
    expect(again.isNew).toBe(false);
    expect(again.get()).toMatchObject({ model: 'm', k: 4 });
    expect(JSON.parse(readFileSync(again.path, 'utf8'))).toMatchObject({ model: 'm', k: 4 });

    writeFileSync(again.path, '{ not json');
    const broken = await SettingsFile.open(dir);
    expect(broken.get()).toEqual(defaultSettings);
    expect(broken.problems[0]).toMatch(/not valid JSON/);
  });

  it('picks a per-user app data folder per platform', () => {
    expect(defaultAppDataDir('linux', { XDG_DATA_HOME: '/x' })).toBe('/x/deformer-desk');
    expect(defaultAppDataDir('win32', { APPDATA: 'C:/Users/a/AppData/Roaming' })).toMatch(/DeFormer Desk$/);
    expect(defaultAppDataDir('darwin', {})).toMatch(/Library\/Application Support\/DeFormer Desk$/);
  });
});
