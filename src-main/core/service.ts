/**
 * DeskService: the one implementation of the app's contract (contract.ts), opened by every entry
 * point through core/backend/setup.ts; the shells only carry calls and events to it. It owns the
 * settings file, the Library (indexing, in another process behind IndexerHost), the Reader (the
 * same LMDB store opened read-side plus an engine on its own thread, for questions, behind the
 * bounded ask queue) and the installed models.
 *
 *   <appDataDir>/settings.json   settings.ts
 *   <appDataDir>/library/        the LMDB environment (written by the indexer process)
 *   <appDataDir>/graphs/         built ONNX graphs, shared by both engines
 *   <appDataDir>/models/         installed models (unless the shell passes another folder)
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { z } from 'zod';
import { AskQueue } from './answer/ask-queue';
import { Reader } from './answer/reader';
import {
  events, isMethodName, methods, type DeskApi, type DeskEvent, type EventName, type EventOf,
  type MethodName, type RequestOf, type ResponseOf, type Result, type Settings,
} from './contract';
import { DeskError, toWire } from './errors';
import { IndexerHost } from './index/host/indexer-host';
import type { LibraryControl, LibraryOptions } from './index/library';
import type { IndexEvent } from './index/types';
import { defaultK, readConfig, recommendedK } from './model/config';
import { extractText } from './text/extract';
import { doctorReport } from './hub/doctor';
import { EngineThread } from './model/thread/engine-thread';
import { lowerWeightsFor } from './model/lower-weights';
import type { WeightPrecision } from './model/onnx/int8-weights';
import type { ModelConfig, QaEngine } from './model/types';
import { DeskModels, type ModelsPort } from './service-models';
import { SettingsFile } from './settings';
import { LibraryStore } from './store/store';
import { identityOf } from './store/cache-key';

// ---- event bus ------------------------------------------------------------------------------

/** Events checked against the contract before any shell sees them; a bad one is a bug, logged and dropped. */
export class EventBus {
  private readonly listeners = new Set<(event: DeskEvent) => void>();

  emit<E extends EventName>(name: E, payload: EventOf<E>): void {
    const parsed = (events[name] as z.ZodType).safeParse(payload);
    if (!parsed.success) {
      console.error(`event ${name} does not match the contract: ${parsed.error.message}`);
      return;
    }
    const event = { name, payload: parsed.data } as DeskEvent;
    for (const listener of this.listeners) listener(event);
  }

  on(listener: (event: DeskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// ---- dispatcher -----------------------------------------------------------------------------

/** Keys of an unknown-keys error named in the answer; the rest are counted (a body of 60k keys must not come back whole). */
const maxKeysNamed = 5;

/** One validation issue in words, bounded in size whatever the payload held. */
function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const named = issue.keys.slice(0, maxKeysNamed).map((k) => `"${clip(k, 40)}"`).join(', ');
    const more = issue.keys.length > maxKeysNamed ? ` and ${issue.keys.length - maxKeysNamed} more` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${named}${more}`;
  }
  return clip(issue.message, 200);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The generic entry both shells call: validates the payload with the method's schema, runs the
 * method, and answers a Result. Never throws: a malformed payload or an unknown method is
 * BAD_REQUEST, a DeskError keeps its code, anything else is INTERNAL. With `checkResponses` the
 * response is validated too (tests, development), so a drift from the contract fails loudly.
 */
export async function dispatch(api: DeskApi, method: string, payload: unknown, checkResponses = false): Promise<Result<unknown>> {
  if (!isMethodName(method)) return { ok: false, error: { code: 'BAD_REQUEST', message: `Unknown method "${clip(method, 80)}".` } };
  const schema = methods[method];
  const request = (schema.request as z.ZodType).safeParse(payload ?? {});
  if (!request.success) {
    const issue = request.error.issues[0];
    const where = issue?.path.length ? ` at "${clip(issue.path.join('.'), 80)}"` : '';
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Invalid request for ${method}${where}: ${issue ? issueText(issue) : 'invalid'}.` } };
  }
  try {
    const call = api[method] as (r: unknown) => Promise<unknown>;
    const value = await call.call(api, request.data);
    if (checkResponses) {
      const response = (schema.response as z.ZodType).safeParse(value);
      if (!response.success) throw new Error(`${method} answered outside the contract: ${response.error.message}`);
    }
    return { ok: true, value };
  } catch (err) {
    if (!(err instanceof DeskError)) console.error(`${method} failed:`, err);
    return { ok: false, error: toWire(err) };
  }
}

// ---- the service ----------------------------------------------------------------------------

/**
 * A typed folder path as the person means it: `~` is their home folder; a relative path is
 * refused, since it would resolve against the app's own working folder, which nobody can see.
 */
export function folderPath(typed: string, home = homedir()): string {
  const text = typed.trim();
  const expanded = text === '~' ? home : /^~[\\/]/.test(text) ? join(home, text.slice(2)) : text;
  if (!isAbsolute(expanded)) {
    throw new DeskError('BAD_REQUEST', `"${text}" is not a full path: type it from the top, e.g. ${join(home, 'Documents')} or ~/Documents.`);
  }
  return expanded;
}

/** What the shell running the service provides. */
export interface ServicePlatform {
  /** A native folder dialog; absent in the web shell (folders are added by path). */
  pickFolder?: () => Promise<string | null>;
  /** Opens (or reveals) a file with the OS; absent in the web shell (the path is reported). */
  openPath?: (path: string, reveal: boolean) => Promise<void>;
}

/** How to open a DeskService. */
export interface DeskServiceOptions {
  shell: 'electron' | 'web' | 'cli';
  /** App data folder: settings, LMDB, graph cache and (by default) models. */
  appDataDir: string;
  /** Installed models; default `<appDataDir>/models`. */
  modelsDir?: string;
  version?: string;
  platform?: ServicePlatform;
  /** Starts the indexer (default: a forked Node process; Electron passes a utilityProcess). */
  startIndexer?: (options: LibraryOptions) => Promise<LibraryControl & { onExit?: IndexerHost['onExit'] }>;
  /** Validate every response against the contract (tests, development). */
  checkResponses?: boolean;
  /** Replaces the model store (tests); default DeskModels over modelsDir. */
  models?: ModelsPort;
  /** models/catalogue.json, where a bundler moved the code away from it (Electron). */
  cataloguePath?: string;
  /** The built-in model's folder (default models/builtin.ts's builtinModelDir); null: none (tests). */
  builtinModelDir?: string | null;
  /** resources/tokenizer, for cutting passages without a model, where a bundler moved the code away from it. */
  defaultTokenizerDir?: string;
  /** Engine threads in this process (questions); default ONNX Runtime's. */
  threads?: number;
  /** Keep watching folders after the first scan (default true). */
  watch?: boolean;
  /** Questions that may wait behind the one being answered before BUSY (default answer/ask-queue.ts's). */
  maxWaitingQuestions?: number;
  /** Settings for this process only, never saved (the CLI's flags); see SettingsFile. */
  settingsOverrides?: Partial<Settings>;
  /** Precision of the question engine's upper-layer weights (default fp32; cached states are the same either way). */
  upperWeights?: WeightPrecision;
}

/** The active model as resolved from settings: its folder and config, or why there is none. */
interface ActiveModel {
  name: string;
  dir: string;
  config: ModelConfig;
  k: number;
  /** Where passage positions start (the checkpoint's `deformer.passageOffset`, else 0). */
  passageOffset: number;
}

/** The read side: store + engine for questions. */
interface ReadSide {
  store: LibraryStore | null;
  engine: QaEngine | null;
  reader: Reader | null;
}

const maxRestarts = 3;
const restartWindowMs = 60_000;

/** Implements every contract method once; see the file comment. */
export class DeskService implements DeskApi {
  readonly bus = new EventBus();
  private readonly asks: AskQueue;
  private library!: LibraryControl & { onExit?: IndexerHost['onExit'] };
  private active: ActiveModel | null = null;
  private read: ReadSide = { store: null, engine: null, reader: null };
  /** Why the model is not in use (not installed, failed to load), shown in ask notes and app.info. */
  private modelProblem: string | null = null;
  /** Settings corrected because they no longer fit, for the person (app.info, doctor, the log). */
  private readonly notices: string[] = [];
  /** Serialises reconfiguration; asks wait for it so they never see a half-swapped reader. */
  private ready: Promise<void> = Promise.resolve();
  private readonly pulls = new Map<string, AbortController>();
  private isClosing = false;
  private restarts: number[] = [];
  private readonly dbDir: string;
  private readonly graphsDir: string;
  private modelsWatcher: FSWatcher | null = null;
  private modelsTimer: NodeJS.Timeout | null = null;
  /** active.json's name when last looked at: a change there is the CLI's `model use`. */
  private lastActiveName: string | null = null;

  private constructor(
    private readonly options: DeskServiceOptions,
    private readonly settings: SettingsFile,
    private readonly models: ModelsPort,
  ) {
    this.dbDir = join(options.appDataDir, 'library');
    this.graphsDir = join(options.appDataDir, 'graphs');
    this.asks = new AskQueue({ maxWaiting: options.maxWaitingQuestions });
  }

  /** Loads settings, starts the indexer and opens the read side. */
  static async open(options: DeskServiceOptions): Promise<DeskService> {
    const settings = await SettingsFile.open(options.appDataDir, options.settingsOverrides);
    for (const problem of settings.problems) console.warn(`settings: ${problem}`);
    const models =
      options.models ??
      new DeskModels(options.modelsDir ?? join(options.appDataDir, 'models'), options.cataloguePath, options.builtinModelDir);
    const service = new DeskService(options, settings, models);
    await service.start();
    return service;
  }

  /** The dispatcher bound to this service (what the shells call). */
  handle(method: string, payload: unknown): Promise<Result<unknown>> {
    return dispatch(this, method, payload, this.options.checkResponses);
  }

  private async start(): Promise<void> {
    // First run: adopt the model the CLI made active (`model pull` / `model use`), else the built-in one.
    this.lastActiveName = await this.models.activeName();
    const adopted = this.settings.isNew && !this.settings.get().model ? this.lastActiveName : null;
    if (adopted) await this.settings.update({ model: adopted });
    this.active = await this.resolveModel(this.settings.get());
    this.library = await this.startLibrary();
    await this.openReadSide();
    await this.watchModels();
  }

  /**
   * The models folder is shared with the CLI (and a file manager): watch it, so a model removed,
   * installed or made active out there reaches every window. fs.watch may miss events on some file
   * systems; `models.list` (which the UI calls on focus) runs the same check.
   */
  private async watchModels(): Promise<void> {
    await mkdir(this.models.dir, { recursive: true }).catch(() => undefined);
    try {
      this.modelsWatcher = watch(this.models.dir, () => {
        if (this.modelsTimer) clearTimeout(this.modelsTimer);
        this.modelsTimer = setTimeout(() => void this.syncModels().catch((err) => console.error('models folder check failed:', err)), 150);
      });
      this.modelsWatcher.on('error', () => undefined);
    } catch {
      this.modelsWatcher = null; // no watching here: the on-focus check still runs
    }
  }

  /**
   * Brings the model in use in line with the models folder, then tells every window: the model in
   * use was removed → the built-in one (or search only); active.json changed (`model use`) → that one.
   */
  private async syncModels(): Promise<ResponseOf<'models.list'>> {
    if (this.isClosing) return this.listModels();
    const current = this.settings.get().model;
    const activeName = await this.models.activeName();
    const cliChose = activeName !== this.lastActiveName ? activeName : null;
    this.lastActiveName = activeName;
    if (cliChose && cliChose !== current && (await this.models.dirOf(cliChose))) {
      await this.applySettings({ model: cliChose }).catch((err) => console.warn(`could not switch to ${cliChose}:`, err));
    } else if (current && !(await this.models.dirOf(current))) {
      await this.applySettings({ model: await this.models.builtinName() }).catch((err) => console.warn('could not leave a removed model:', err));
    }
    const list = await this.listModels();
    this.bus.emit('modelsChanged', list);
    return list;
  }

  /** Starts the indexer; a model it cannot load leaves the library search-only, with the reason noted. */
  private async startLibrary(): Promise<DeskService['library']> {
    const start = this.options.startIndexer ?? ((o: LibraryOptions) => IndexerHost.fork(o));
    let library: DeskService['library'];
    try {
      library = await start(this.libraryOptions());
    } catch (err) {
      if (!this.active || !(err instanceof DeskError)) throw err;
      this.modelProblem = `The model "${this.active.name}" could not be loaded: ${err.message}`;
      this.active = null;
      library = await start(this.libraryOptions());
    }
    library.onEvent((event) => this.forward(event));
    library.onExit?.((reason) => this.indexerExited(reason));
    return library;
  }

  /** A crashed indexer is restarted, a few times: a file that crashes it every time must not loop forever. */
  private indexerExited(reason: string): void {
    if (this.isClosing) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < restartWindowMs);
    if (this.restarts.length >= maxRestarts) {
      console.error(`${reason}; it crashed ${maxRestarts} times in a row, not restarting`);
      this.modelProblem = `Indexing stopped: ${reason}. Restart the app to try again.`;
      return;
    }
    this.restarts.push(now);
    console.error(`${reason}; restarting the indexer`);
    this.ready = this.ready.then(async () => {
      this.library = await this.startLibrary();
    });
  }

  private libraryOptions(): LibraryOptions {
    const s = this.settings.get();
    return {
      dbDir: this.dbDir,
      model: this.active?.dir ?? null,
      k: this.active?.k ?? 0,
      passageOffset: this.active?.passageOffset ?? 0,
      provider: s.provider,
      cacheDir: this.graphsDir,
      watch: this.options.watch,
      ...(this.options.defaultTokenizerDir ? { defaultTokenizerDir: this.options.defaultTokenizerDir } : {}),
      settings: {
        precision: s.precision,
        weights: s.weights,
        windowTokens: s.windowTokens,
        overlapTokens: s.overlapTokens,
        maxFileBytes: Math.round(s.maxFileMb * 1024 * 1024),
        ocr: s.ocr,
      },
    };
  }

  /** Settings' model name → installed folder, config and k; null (with the reason noted) when unusable. */
  private async resolveModel(s: Settings): Promise<ActiveModel | null> {
    this.modelProblem = null;
    if (!s.model) return null;
    const dir = await this.models.dirOf(s.model);
    if (!dir) {
      this.modelProblem = `The model "${s.model}" is not installed; pick another in Settings or pull one.`;
      return null;
    }
    try {
      const config = readConfig(dir);
      if (s.k !== null && s.k > config.layers) {
        // A k chosen for another, deeper model: corrected on disk too, and the person told.
        await this.settings.update({ k: null });
        this.notice(`k ${s.k} does not fit the model "${s.model}" (${config.layers} layers): it now uses its default k ${defaultK(config)}.`);
      }
      // A DeFormer-fine-tuned checkpoint says which split it was trained for: that is its default k.
      const k = Math.min(config.layers, this.settings.get().k ?? defaultK(config));
      return { name: s.model, dir, config, k, passageOffset: config.deformer?.passageOffset ?? 0 };
    } catch (err) {
      this.modelProblem = `The model "${s.model}" could not be read: ${(err as Error).message}`;
      return null;
    }
  }

  /** Opens the engine for questions and the store read-side with the identity the indexer wrote. */
  private async openReadSide(): Promise<void> {
    const s = this.settings.get();
    let engine: QaEngine | null = null;
    if (this.active) {
      try {
        // In its own thread: ONNX Runtime's run blocks the thread that calls it, and this one serves every window.
        engine = await EngineThread.open(this.active.dir, {
          k: this.active.k,
          passageOffset: this.active.passageOffset,
          provider: s.provider,
          cacheDir: this.graphsDir,
          threads: this.options.threads,
          openFirst: 'ask', // answering only: indexing runs its own engine in the indexer process
          weights: this.options.upperWeights ?? s.weights,
          lowerWeights: lowerWeightsFor(s.weights, s.precision), // as the indexer lowers the passages
        });
      } catch (err) {
        this.modelProblem = `The model "${this.active.name}" could not be loaded: ${(err as Error).message}`;
      }
    }
    const split = { k: this.active?.k ?? 0, passageOffset: this.active?.passageOffset ?? 0, lowerWeights: lowerWeightsFor(s.weights, s.precision) };
    const identity = identityOf(this.active && engine ? engine.fingerprint : null, split, s);
    let store: LibraryStore | null = null;
    try {
      store = LibraryStore.open(this.dbDir, identity, { onMismatch: 'error' });
    } catch (err) {
      this.modelProblem = `The library cache cannot be read yet: ${(err as Error).message}`;
    }
    const reader = store
      ? new Reader({ store, engine, pendingDocuments: () => this.library.progress().folders.reduce((n, f) => n + f.queued, 0) })
      : null;
    this.read = { store, engine, reader };
  }

  private async closeReadSide(): Promise<void> {
    const { store, engine } = this.read;
    this.read = { store: null, engine: null, reader: null };
    await engine?.close();
    await store?.close();
  }

  /** Index events become contract events, named the same. */
  private forward(event: IndexEvent): void {
    const { type, ...payload } = event;
    this.bus.emit(type, payload as never);
  }

  /**
   * Applies a settings change, one at a time; model, k, precision, weights, provider, W, O or the size cap
   * reconfigure the library (its re-encode runs in the background). A change the library refuses
   * (a checkpoint that does not load) is rolled back whole.
   */
  private applySettings(update: Partial<Settings>, reload = false): Promise<Settings> {
    const work = this.ready.then(() => this.applyNow(update, reload));
    this.ready = work.then(
      () => undefined,
      () => undefined,
    );
    return work;
  }

  /** `reload`: reconfigure even when nothing changed (the model's files were replaced). */
  private async applyNow(update: Partial<Settings>, reload: boolean): Promise<Settings> {
    const before = this.settings.get();
    await this.checkK(update.k, update.model === undefined ? before.model : update.model);
    const after = await this.settings.update(update);
    const changed = (key: keyof Settings) => before[key] !== after[key];
    const touchesLibrary = reload || (['model', 'k', 'precision', 'weights', 'provider', 'windowTokens', 'overlapTokens', 'maxFileMb', 'ocr'] as const).some(changed);
    if (touchesLibrary) {
      try {
        await this.reconfigure();
      } catch (err) {
        await this.settings.update(before);
        this.active = await this.resolveModel(before);
        await this.closeReadSide();
        await this.openReadSide();
        throw err;
      }
    }
    // The CLI reads the same models folder: keep its notion of the active model in step (and
    // remember it as seen, so the folder watcher does not take our own write for the CLI's).
    if (changed('model') && after.model) {
      await this.models.setActive(after.model).catch(() => undefined);
      this.lastActiveName = after.model;
    }
    this.bus.emit('settingsChanged', after);
    return after;
  }

  /** A k asked for must lie within the layers of the model it will split (0 ≤ k ≤ n). */
  private async checkK(k: number | null | undefined, model: string | null): Promise<void> {
    if (k === undefined || k === null || !model) return;
    const dir = await this.models.dirOf(model);
    if (!dir) return; // an uninstalled model is refused on its own
    const layers = readConfig(dir).layers;
    if (k > layers) throw new DeskError('BAD_REQUEST', `k must be between 0 and ${layers}: the model "${model}" has ${layers} layers.`);
  }

  private notice(text: string): void {
    console.warn(`settings: ${text}`);
    this.notices.push(text);
  }

  /** Swaps the library and the read side to the current settings. */
  private async reconfigure(): Promise<void> {
    const s = this.settings.get();
    const active = await this.resolveModel(s);
    if (s.model && !active) throw new DeskError('MODEL_NOT_INSTALLED', this.modelProblem ?? `The model "${s.model}" is not installed.`);
    await this.closeReadSide();
    this.active = active;
    const o = this.libraryOptions();
    await this.library.reconfigure({ model: o.model, k: o.k, provider: o.provider, ...o.settings });
    await this.openReadSide();
  }

  // ---- DeskApi ------------------------------------------------------------------------------

  async 'app.info'(): Promise<ResponseOf<'app.info'>> {
    await this.ready;
    const engine = this.read.engine;
    return {
      shell: this.options.shell,
      version: this.options.version ?? '0.0.0',
      model: this.active && engine ? { name: this.active.name, arch: this.active.config.arch, layers: this.active.config.layers, k: this.active.k } : null,
      provider: engine ? { name: engine.provider.name, reason: engine.provider.reason } : null,
      libraryDir: this.options.appDataDir,
      platform: process.platform,
      ...(this.notices.length > 0 ? { notices: [...this.notices] } : {}),
    };
  }

  async 'folders.list'(): Promise<ResponseOf<'folders.list'>> {
    await this.ready;
    return { folders: this.library.listFolders() };
  }

  async 'folders.add'({ path: typed, confirm }: RequestOf<'folders.add'>): Promise<ResponseOf<'folders.add'>> {
    const path = folderPath(typed);
    await this.ready;
    await this.library.addFolder(path, { confirm }).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof DeskError) throw err;
      throw new DeskError('NOT_FOUND', `Cannot add ${path}: ${err.code === 'ENOENT' ? 'no such folder' : err.message}`);
    });
    return { folders: this.library.listFolders() };
  }

  async 'folders.remove'({ path }: RequestOf<'folders.remove'>): Promise<ResponseOf<'folders.remove'>> {
    await this.ready;
    await this.library.removeFolder(path);
    return { folders: this.library.listFolders() };
  }

  async 'folders.pick'(): Promise<ResponseOf<'folders.pick'>> {
    return { path: (await this.options.platform?.pickFolder?.()) ?? null };
  }

  async 'indexing.status'(): Promise<ResponseOf<'indexing.status'>> {
    await this.ready;
    return this.library.progress();
  }

  async 'indexing.pause'(): Promise<ResponseOf<'indexing.pause'>> {
    await this.ready;
    this.library.pause();
    return this.library.progress();
  }

  async 'indexing.resume'(): Promise<ResponseOf<'indexing.resume'>> {
    await this.ready;
    this.library.resume();
    return this.library.progress();
  }

  async 'indexing.documents'({ folder, status }: RequestOf<'indexing.documents'>): Promise<ResponseOf<'indexing.documents'>> {
    await this.ready;
    const documents = this.library
      .documents(folder)
      .filter((d) => status === undefined || d.status === status)
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((d) => ({
        path: d.path,
        folder: d.folder,
        status: d.status,
        ...(d.code ? { code: d.code } : {}),
        ...(d.reason ? { reason: d.reason } : {}),
        passages: d.passageIds.length,
        ...(d.ocrPages ? { ocrPages: d.ocrPages } : {}),
        ...(d.warnings?.length ? { warnings: d.warnings } : {}),
      }));
    return { documents };
  }

  /** Through the bounded queue: BUSY past it, SUPERSEDED when the same client asked again (answer/ask-queue.ts). */
  async ask({ question, mode, topPassages, maxAnswers, client }: RequestOf<'ask'>): Promise<ResponseOf<'ask'>> {
    const result = await this.asks.run(client, async () => {
      await this.ready;
      const reader = this.read.reader;
      if (!reader) throw new DeskError('STORE_INCOMPATIBLE', this.modelProblem ?? 'The library cache is not open.');
      return reader.ask(question, { mode, topPassages, maxAnswers });
    });
    if (this.modelProblem) result.notes.unshift(this.modelProblem);
    return result;
  }

  async 'documents.text'({ path }: RequestOf<'documents.text'>): Promise<ResponseOf<'documents.text'>> {
    await this.ready;
    this.requireDocument(path);
    // Extracted again, by the same code the indexer used: answer and passage offsets index this text.
    const { text } = await extractText(path, { maxBytes: Math.round(this.settings.get().maxFileMb * 1024 * 1024) });
    return { path, text };
  }

  /** Only documents of the library: a shell must never become a way to read or open arbitrary files. */
  private requireDocument(path: string): void {
    if (!this.library.documents().some((d) => d.path === path)) throw new DeskError('NOT_FOUND', `${path} is not a document of this library.`);
  }

  async 'documents.open'({ path, reveal }: RequestOf<'documents.open'>): Promise<ResponseOf<'documents.open'>> {
    await this.ready;
    this.requireDocument(path);
    const open = this.options.platform?.openPath;
    if (!open) return { path, how: 'reported' };
    await open(path, reveal === true);
    return { path, how: reveal ? 'revealed' : 'opened' };
  }

  async 'settings.get'(): Promise<ResponseOf<'settings.get'>> {
    return this.settings.get();
  }

  async 'settings.update'(update: RequestOf<'settings.update'>): Promise<ResponseOf<'settings.update'>> {
    return this.applySettings(update);
  }

  /** Also re-checks the models folder (the UI calls it on focus, in case a watch event was missed). */
  async 'models.list'(): Promise<ResponseOf<'models.list'>> {
    return this.syncModels();
  }

  private async listModels(): Promise<ResponseOf<'models.list'>> {
    const activeName = this.settings.get().model;
    const installed = await this.models.list();
    return {
      models: installed.map((m) => ({ ...m, active: m.name === activeName })),
      catalogue: await this.models.catalogue(installed),
      modelsDir: this.models.dir,
    };
  }

  async 'models.pull'({ repo }: RequestOf<'models.pull'>): Promise<ResponseOf<'models.pull'>> {
    if (this.pulls.has(repo)) throw new DeskError('BAD_REQUEST', `${repo} is already being pulled.`);
    const abort = new AbortController();
    this.pulls.set(repo, abort);
    try {
      const model = await this.models.pull(repo, {
        signal: abort.signal,
        onProgress: (p) => this.bus.emit('modelPullProgress', { repo, ...p }),
      });
      return await this.installed(model.name);
    } finally {
      this.pulls.delete(repo);
    }
  }

  async 'models.cancelPull'({ repo }: RequestOf<'models.cancelPull'>): Promise<ResponseOf<'models.cancelPull'>> {
    const pull = this.pulls.get(repo);
    pull?.abort();
    return { cancelled: pull !== undefined };
  }

  async 'models.import'({ path }: RequestOf<'models.import'>): Promise<ResponseOf<'models.import'>> {
    const model = await this.models.importFolder(path);
    return this.installed(model.name);
  }

  /** Removing the model in use falls back to the built-in model (or search only). */
  async 'models.remove'({ name }: RequestOf<'models.remove'>): Promise<ResponseOf<'models.remove'>> {
    const builtin = await this.models.builtinName();
    if (name === builtin) throw new DeskError('BAD_REQUEST', `${name} is built into the app and cannot be removed; use another model instead.`);
    if (this.settings.get().model === name) await this.applySettings({ model: builtin });
    await this.models.remove(name);
    return { models: (await this.syncModels()).models };
  }

  async 'models.use'({ name }: RequestOf<'models.use'>): Promise<ResponseOf<'models.use'>> {
    if (!(await this.models.dirOf(name))) throw new DeskError('MODEL_NOT_INSTALLED', `The model "${name}" is not installed.`);
    return this.applySettings({ model: name });
  }

  async doctor(): Promise<ResponseOf<'doctor'>> {
    await this.ready;
    const stats = this.read.store?.stats() ?? null;
    // The cache is reported from this process's open store: opening the environment twice in one process is not safe.
    const report = await doctorReport({ modelsDir: this.models.dir });
    return {
      ...report,
      shell: this.options.shell,
      settings: this.settings.get(),
      model: this.active ? { name: this.active.name, dir: this.active.dir, k: this.active.k, layers: this.active.config.layers } : null,
      modelProblem: this.modelProblem,
      notices: this.notices,
      provider: this.read.engine?.provider ?? null,
      cache: stats ? { dir: this.dbDir, stats, identity: this.read.store?.identity } : null,
      folders: this.library.listFolders(),
    };
  }

  /**
   * A freshly installed model as the contract describes it. Installing from the app means "answer
   * with this": it becomes the model in use, reloaded even when it replaced the one in use.
   */
  private async installed(name: string): Promise<ResponseOf<'models.pull'>> {
    await this.applySettings({ model: name }, true);
    const info = (await this.syncModels()).models.find((m) => m.name === name);
    if (!info) throw new DeskError('INTERNAL', `The model "${name}" was installed but is not listed.`);
    return info;
  }

  /** Resolves when the library has nothing left to index (tests, CLI). */
  async whenIdle(): Promise<void> {
    await this.ready;
    await this.library.whenIdle();
  }

  /** Stops pulls, closes the read side and the indexer. */
  async close(): Promise<void> {
    this.isClosing = true;
    this.modelsWatcher?.close();
    if (this.modelsTimer) clearTimeout(this.modelsTimer);
    for (const pull of this.pulls.values()) pull.abort();
    await this.ready;
    await this.closeReadSide();
    await this.library.close();
  }
}

export type { MethodName };
