/**
 * The app's one API contract. Both shells (Electron IPC, loopback web) and the renderer's
 * client are generated from these tables: a new call is one entry in `methods`.
 * Every payload is validated against its schema at the boundary; types are inferred.
 * This file imports only zod: the renderer imports it too, so no Node here.
 */
import { z } from 'zod';

// ---- shared shapes -------------------------------------------------------------------------

export const WireErrorSchema = z.object({ code: z.string(), message: z.string() });
export type WireErrorShape = z.infer<typeof WireErrorSchema>;

export const PrecisionSchema = z.enum(['fp32', 'fp16', 'int8', 'int4', 'int3']);
export const WeightsSchema = z.enum(['int8', 'fp32']);
export const ProviderSchema = z.enum(['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu']);
export const AnswerModeSchema = z.enum(['deformer', 'full']);
export const DocumentStatusSchema = z.enum(['queued', 'indexing', 'done', 'failed', 'skipped']);

const path = z.string().min(1).max(4096);

/** How sure the reader is of an answer, in words (core/answer/confidence.ts sets the bounds). */
export const ConfidenceSchema = z.enum(['confident', 'likely', 'unsure', 'none']);

export const AnswerSchema = z.object({
  text: z.string(),
  score: z.number(),
  /** Probability of this answer among every span read for the question (answer/confidence.ts). */
  probability: z.number().min(0).max(1),
  /** `none`: below the no-answer threshold; the UI hides it behind "No confident answer". */
  confidence: ConfidenceSchema,
  docPath: z.string(),
  page: z.number().int().optional(),
  passageId: z.string(),
  charStart: z.number().int(),
  charEnd: z.number().int(),
  context: z.string(),
  contextStart: z.number().int(),
  highlightStart: z.number().int(),
  highlightEnd: z.number().int(),
});

export const PassageHitSchema = z.object({
  passageId: z.string(),
  docPath: z.string(),
  page: z.number().int().optional(),
  text: z.string(),
  score: z.number(),
  /** BM25 score relative to the best passage of this question, in [0, 1]: what the relevance bar shows. */
  relevance: z.number().min(0).max(1),
  /** The passage's span in the document's extracted text. */
  charStart: z.number().int(),
  matches: z.array(z.tuple([z.number().int(), z.number().int()])),
});

export const AskResultSchema = z.object({
  question: z.string(),
  mode: z.enum(['deformer', 'full', 'search']),
  answers: z.array(AnswerSchema),
  passages: z.array(PassageHitSchema),
  notes: z.array(z.string()),
  timings: z.object({
    totalMs: z.number(),
    retrievalMs: z.number(),
    questionMs: z.number(),
    cacheReadMs: z.number(),
    upperMs: z.number(),
  }),
});

export const FolderProgressSchema = z.object({
  folder: z.string(),
  total: z.number().int(),
  queued: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  currentFile: z.string().optional(),
  /** A step inside the current file: "OCR page 12/40", "passage 256 of about 900". */
  currentStep: z.string().optional(),
  /** Why changes in the folder are not watched normally (inotify limit), in words. */
  watchError: z.string().optional(),
  tokensPerSecond: z.number(),
  etaSeconds: z.number().optional(),
});

export const IndexStatusSchema = z.object({ folders: z.array(FolderProgressSchema), paused: z.boolean() });

export const DocumentInfoSchema = z.object({
  path: z.string(),
  folder: z.string(),
  status: DocumentStatusSchema,
  code: z.string().optional(),
  reason: z.string().optional(),
  passages: z.number().int(),
  warnings: z.array(z.string()).optional(),
  /** Pages (or images) whose text was read by OCR. */
  ocrPages: z.number().int().optional(),
});

export const SettingsSchema = z.object({
  /** Name of the active installed model, or null for search-only. */
  model: z.string().nullable(),
  /** Split point; null = the model's recommended k (3n/4). */
  k: z.number().int().min(0).max(48).nullable(),
  precision: PrecisionSchema,
  /** Linear weights of the lower (indexing) and upper (answering) passes: int8 "fast", fp32 "exact". */
  weights: WeightsSchema,
  provider: ProviderSchema,
  /** Electron accelerator string for quick ask. */
  shortcut: z.string().min(1).max(64),
  windowTokens: z.number().int().min(32).max(512),
  overlapTokens: z.number().int().min(0).max(256),
  /** Per-file size cap; under 1 MB would skip nearly every document. */
  maxFileMb: z.number().min(1).max(4096),
  /** OCR of PDF pages without a text layer and of images (png, jpg, tiff); on by default. */
  ocr: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const ModelInfoSchema = z.object({
  name: z.string(),
  repo: z.string().optional(),
  revision: z.string().optional(),
  arch: z.string(),
  layers: z.number().int(),
  hidden: z.number().int(),
  sizeBytes: z.number(),
  active: z.boolean(),
  /** Shipped with the app: cannot be removed. */
  builtin: z.boolean(),
  /** The k used when the person has not picked one: the trained split, else 3n/4. */
  defaultK: z.number().int(),
  /** Splits a DeFormer-fine-tuned checkpoint was trained for; absent for stock checkpoints. */
  trainedK: z.array(z.number().int()).optional(),
});

export const CatalogueEntrySchema = z.object({
  repo: z.string(),
  title: z.string(),
  sizeMb: z.number().optional(),
  recommendedK: z.number().int().optional(),
  notes: z.string().optional(),
  installed: z.boolean(),
});

export const AppInfoSchema = z.object({
  shell: z.enum(['electron', 'web', 'cli']),
  version: z.string(),
  model: z
    .object({ name: z.string(), arch: z.string(), layers: z.number().int(), k: z.number().int() })
    .nullable(),
  provider: z.object({ name: z.string(), reason: z.string() }).nullable(),
  libraryDir: z.string(),
  /** The service's OS (Node's process.platform): which compute providers can exist here. */
  platform: z.string(),
  /** Settings the app corrected because they no longer fit (e.g. k beyond another model's layers), in words. */
  notices: z.array(z.string()).optional(),
});

// ---- methods --------------------------------------------------------------------------------

const none = z.object({}).strict();

/** Every call the UI can make: request schema → response schema, grouped by feature. */
export const methods = {
  'app.info': { request: none, response: AppInfoSchema },

  'folders.list': { request: none, response: z.object({ folders: z.array(z.string()) }) },
  /**
   * Throws CONFIRM_REQUIRED (the reasons in its message) for a folder with very many files or on a
   * network file system; sent again with `confirm: true` once the person agreed, it is added.
   */
  'folders.add': { request: z.object({ path, confirm: z.boolean().optional() }).strict(), response: z.object({ folders: z.array(z.string()) }) },
  'folders.remove': { request: z.object({ path }).strict(), response: z.object({ folders: z.array(z.string()) }) },
  /** Desktop: a native folder dialog. Web: always null (folders are added by path). */
  'folders.pick': { request: none, response: z.object({ path: z.string().nullable() }) },

  'indexing.status': { request: none, response: IndexStatusSchema },
  'indexing.pause': { request: none, response: IndexStatusSchema },
  'indexing.resume': { request: none, response: IndexStatusSchema },
  'indexing.documents': {
    request: z.object({ folder: path.optional(), status: DocumentStatusSchema.optional() }).strict(),
    response: z.object({ documents: z.array(DocumentInfoSchema) }),
  },

  ask: {
    request: z
      .object({
        question: z.string().max(2000),
        mode: AnswerModeSchema.optional(),
        topPassages: z.number().int().min(1).max(50).optional(),
        maxAnswers: z.number().int().min(1).max(20).optional(),
        /** Who asks (a window, a tab): its newer question supersedes its older one (answer/ask-queue.ts). */
        client: z.string().min(1).max(100).optional(),
      })
      .strict(),
    response: AskResultSchema,
  },

  /** A library document's extracted text, for the in-app viewer (offsets are those of answers and passages). */
  'documents.text': { request: z.object({ path }).strict(), response: z.object({ path: z.string(), text: z.string() }) },
  /** Opens a document at an answer. Web mode opens nothing and reports the path. */
  'documents.open': {
    request: z.object({ path, charStart: z.number().int().min(0).optional(), reveal: z.boolean().optional() }).strict(),
    response: z.object({ path: z.string(), how: z.enum(['opened', 'revealed', 'reported']) }),
  },

  'settings.get': { request: none, response: SettingsSchema },
  'settings.update': { request: SettingsSchema.partial().strict(), response: SettingsSchema },

  'models.list': {
    request: none,
    response: z.object({ models: z.array(ModelInfoSchema), catalogue: z.array(CatalogueEntrySchema), modelsDir: z.string() }),
  },
  'models.pull': { request: z.object({ repo: z.string().min(3).max(200) }).strict(), response: ModelInfoSchema },
  'models.cancelPull': { request: z.object({ repo: z.string().min(3).max(200) }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'models.import': { request: z.object({ path }).strict(), response: ModelInfoSchema },
  'models.remove': { request: z.object({ name: z.string().min(1) }).strict(), response: z.object({ models: z.array(ModelInfoSchema) }) },
  'models.use': { request: z.object({ name: z.string().min(1) }).strict(), response: SettingsSchema },

  /** Providers available, the one in use and why, model and cache status. */
  doctor: { request: none, response: z.record(z.string(), z.unknown()) },
} as const;

// ---- events ---------------------------------------------------------------------------------

/** Everything the core tells the UI, named for what happened. */
export const events = {
  indexProgress: IndexStatusSchema,
  documentIndexed: z.object({ path: z.string(), passages: z.number().int(), tokens: z.number().int() }),
  documentFailed: z.object({ path: z.string(), status: z.enum(['failed', 'skipped']), code: z.string(), reason: z.string() }),
  documentRemoved: z.object({ path: z.string() }),
  indexIdle: z.object({}),
  modelPullProgress: z.object({
    repo: z.string(),
    file: z.string(),
    bytesDone: z.number(),
    bytesTotal: z.number(),
    done: z.boolean(),
    /** What the pull is doing (added; optional for older senders). */
    phase: z.enum(['resolve', 'download', 'verify', 'install', 'done']).optional(),
    bytesPerSecond: z.number().optional(),
  }),
  settingsChanged: SettingsSchema,
  /** Installed models changed (this app, the CLI, or a file manager): the whole list, as models.list answers. */
  modelsChanged: z.object({ models: z.array(ModelInfoSchema), catalogue: z.array(CatalogueEntrySchema), modelsDir: z.string() }),
} as const;

export type MethodName = keyof typeof methods;
export type EventName = keyof typeof events;
export type RequestOf<M extends MethodName> = z.input<(typeof methods)[M]['request']>;
export type ResponseOf<M extends MethodName> = z.infer<(typeof methods)[M]['response']>;
export type EventOf<E extends EventName> = z.infer<(typeof events)[E]>;
/** One event on the wire: its name and payload. */
export type DeskEvent = { [E in EventName]: { name: E; payload: EventOf<E> } }[EventName];

/** The result envelope every transport carries. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireErrorShape };

/** The service as every shell and client sees it. */
export type DeskApi = { [M in MethodName]: (request: RequestOf<M>) => Promise<ResponseOf<M>> };

export const methodNames = Object.keys(methods) as MethodName[];
export const isMethodName = (name: string): name is MethodName => Object.hasOwn(methods, name);

/** Channel names exist only here. */
export const ipcChannel = (method: MethodName) => `desk:${method}`;
export const EVENT_CHANNEL = 'desk:event';
/** HTTP: POST /api/<method>, events as server-sent events. */
export const httpPath = (method: MethodName) => `/api/${method}`;
export const EVENTS_PATH = '/api/events';
export const TOKEN_HEADER = 'x-desk-token';

/**
 * The renderer's Content-Security-Policy, sent by both shells: nothing but our own files, no
 * inline script or style (Svelte's CSS is emitted as files), no frames, no remote content.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
