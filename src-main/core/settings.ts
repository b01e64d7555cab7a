/**
 * The person's settings: one zod-validated JSON file in the app data folder. A field that does
 * not validate (hand-edited file, older version) falls back to its default alone, so one bad
 * value never loses the others.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SettingsSchema, type Settings } from './contract';
import { DeskError } from './errors';

/** File name inside the app data folder. */
export const settingsFileName = 'settings.json';

/**
 * Defaults, chosen from `npm run bench -- --size-speed` on the built-in model (README "Faster and
 * smaller"): cache precision int4 (Hadamard-rotated, 32-value groups with one fp16 scale each: 28%
 * of fp16's bytes per token; its answers are word for word fp32's on 9 questions in 10, int3's on
 * 8 in 10, on held-out SQuAD, so int3 stays the smallest choice, not the default) and int8 weights
 * (questions ~2x faster, within the 0.3 F1 allowed; over 4- and 3-bit states the lower pass stays
 * fp32, model/lower-weights.ts). k = null means the model's recommended split.
 */
export const defaultSettings: Settings = {
  model: null,
  k: null,
  precision: 'int4',
  weights: 'int8',
  provider: 'auto',
  shortcut: 'CommandOrControl+Shift+Space',
  windowTokens: 320,
  overlapTokens: 64,
  maxFileMb: 50,
  ocr: true,
};

/** The split point used when `k` is null. */
export { recommendedK } from './model/config';

/** Reads settings field by field: invalid or missing fields take their default. */
export function parseSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(SettingsSchema.shape)) {
    const fallback = defaultSettings[key as keyof Settings];
    if (!(key in source)) {
      settings[key] = fallback;
      continue;
    }
    const parsed = schema.safeParse(source[key]);
    if (parsed.success) settings[key] = parsed.data;
    else {
      settings[key] = fallback;
      problems.push(`${key}: ${parsed.error.issues[0]?.message ?? 'invalid'}; using the default`);
    }
  }
  const result = settings as Settings;
  if (result.overlapTokens >= result.windowTokens) {
    problems.push('overlapTokens must be smaller than windowTokens; using the defaults for both');
    result.windowTokens = defaultSettings.windowTokens;
    result.overlapTokens = defaultSettings.overlapTokens;
  }
  return { settings: result, problems };
}

/** Merges a partial update into settings; throws BAD_REQUEST when the result is inconsistent. */
export function mergeSettings(current: Settings, update: Partial<Settings>): Settings {
  const next = SettingsSchema.parse({ ...current, ...update });
  if (next.overlapTokens >= next.windowTokens) {
    throw new DeskError('BAD_REQUEST', `The overlap (${next.overlapTokens} tokens) must be smaller than the window (${next.windowTokens} tokens).`);
  }
  return next;
}

/**
 * Settings kept in `<dir>/settings.json`; writes go through a temp file and a rename. Overrides
 * (a CLI's `--model`, `--k`...) apply on top for this process only and are never saved; a
 * field the person then changes drops its override.
 */
export class SettingsFile {
  private overrides: Partial<Settings> = {};

  private constructor(
    readonly path: string,
    private current: Settings,
    readonly problems: string[],
    /** True until the first save: no settings file existed (first run). */
    public isNew = false,
  ) {}

  /** Loads the file (a missing or unreadable file gives the defaults, with a problem noted); overrides are checked like an update. */
  static async open(dir: string, overrides: Partial<Settings> = {}): Promise<SettingsFile> {
    const file = await SettingsFile.read(dir);
    mergeSettings(file.current, overrides); // throws BAD_REQUEST for an override that does not fit
    file.overrides = { ...overrides };
    return file;
  }

  private static async read(dir: string): Promise<SettingsFile> {
    const path = join(dir, settingsFileName);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new DeskError('FILE_UNREADABLE', `Cannot read ${path}: ${err.message}`);
    });
    if (text === undefined) return new SettingsFile(path, { ...defaultSettings }, [], true);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return new SettingsFile(path, { ...defaultSettings }, [`${path} is not valid JSON; using the defaults`]);
    }
    const { settings, problems } = parseSettings(raw);
    return new SettingsFile(path, settings, problems);
  }

  get(): Settings {
    return { ...this.current, ...this.overrides };
  }

  /** Validates, merges and saves; resolves to the new settings. */
  async update(update: Partial<Settings>): Promise<Settings> {
    const next = mergeSettings(this.current, update);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
    await rename(tmp, this.path);
    this.current = next;
    for (const key of Object.keys(update)) delete this.overrides[key as keyof Settings];
    this.isNew = false;
    return this.get();
  }
}

/** The per-user app data folder: ~/.local/share/deformer-desk, %APPDATA%\DeFormer Desk, ~/Library/Application Support/DeFormer Desk. */
export function defaultAppDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'DeFormer Desk');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'DeFormer Desk');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'deformer-desk');
}
