/**
 * The one typed channel between a shell and the backend process that runs the DeskService
 * (Electron main ↔ its utilityProcess; a test ↔ a forked Node child). Every message is
 * described here once, from the contract, and validated on receipt in both directions:
 *   host → backend   open (the setup), call (a contract method), platform answers, close
 *   backend → host   ready / failed, result (checked against the method's response schema),
 *                    event (checked against the contract's event schema), platform requests
 * Platform requests carry what only the shell can do (a native folder dialog, opening a file).
 * Transport: any ordered message port (index/protocol.ts's IndexerPort: fork IPC or utilityProcess).
 */
import { z } from 'zod';
import { events, methods, WireErrorSchema, type DeskEvent, type EventName, type MethodName, type Result } from '../contract';
import { DeskError, fromWire, toWire, type WireError } from '../errors';
import type { IndexerPort as MessagePort } from '../index/protocol';
import type { ServicePlatform } from '../service';

export type { MessagePort };

const id = z.number().int().min(1);

/** What the host opens the backend with: the JSON-safe part of a DeskSetup (setup.ts). */
export const BackendSetupSchema = z.object({
  shell: z.enum(['electron', 'web', 'cli']),
  appDataDir: z.string().optional(),
  modelsDir: z.string().optional(),
  model: z.string().optional(),
  version: z.string().optional(),
  cataloguePath: z.string().optional(),
  builtinModelDir: z.string().nullable().optional(),
  defaultTokenizerDir: z.string().optional(),
  checkResponses: z.boolean().optional(),
  watch: z.boolean().optional(),
  maxWaitingQuestions: z.number().int().min(0).optional(),
  /** Which platform calls the host answers (the rest stay absent, as in the web shell). */
  platform: z.object({ pickFolder: z.boolean(), openPath: z.boolean() }).strict(),
}).strict();
export type BackendSetup = z.infer<typeof BackendSetupSchema>;

export const HostMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), setup: BackendSetupSchema }),
  z.object({ kind: z.literal('call'), id, method: z.string().max(200), payload: z.unknown() }),
  z.object({ kind: z.literal('platformResult'), id, ok: z.boolean(), value: z.string().nullable().optional(), error: WireErrorSchema.optional() }),
  z.object({ kind: z.literal('close') }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

const eventNames = Object.keys(events) as [EventName, ...EventName[]];

export const BackendMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready') }),
  z.object({ kind: z.literal('failed'), error: WireErrorSchema }),
  z.object({
    kind: z.literal('result'),
    id,
    result: z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: WireErrorSchema })]),
  }),
  z.object({ kind: z.literal('event'), name: z.enum(eventNames), payload: z.unknown() }),
  z.discriminatedUnion('op', [
    z.object({ kind: z.literal('platform'), id, op: z.literal('pickFolder') }),
    z.object({ kind: z.literal('platform'), id, op: z.literal('openPath'), path: z.string(), reveal: z.boolean() }),
  ]),
  z.object({ kind: z.literal('closed') }),
]);
export type BackendMessage = z.infer<typeof BackendMessageSchema>;

/** A message checked against its schema; a message outside it is a bug on the other side. */
export function parseMessage<T>(schema: z.ZodType<T>, message: unknown, side: string): T {
  const parsed = schema.safeParse(message);
  if (!parsed.success) throw new DeskError('INTERNAL', `${side}: a message outside the channel's protocol: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** A contract response checked against its method's schema (what `Result.value` must be). */
export function checkedResult(method: string, result: Result<unknown>): Result<unknown> {
  if (!result.ok || !Object.hasOwn(methods, method)) return result;
  const parsed = (methods[method as MethodName].response as z.ZodType).safeParse(result.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: { code: 'INTERNAL', message: `${method} answered outside the contract: ${parsed.error.issues[0]?.message ?? 'invalid'}` } };
}

/** A contract event checked against its schema; undefined (and logged) when it does not match. */
export function checkedEvent(name: EventName, payload: unknown): DeskEvent | undefined {
  const parsed = (events[name] as z.ZodType).safeParse(payload);
  if (parsed.success) return { name, payload: parsed.data } as DeskEvent;
  console.error(`backend event ${name} does not match the contract: ${parsed.error.issues[0]?.message}`);
  return undefined;
}

/** The backend's view of the host's platform calls: each one a request answered over the channel. */
export function remotePlatform(setup: BackendSetup, ask: (op: { op: 'pickFolder' } | { op: 'openPath'; path: string; reveal: boolean }) => Promise<string | null>): ServicePlatform {
  return {
    ...(setup.platform.pickFolder ? { pickFolder: () => ask({ op: 'pickFolder' }) } : {}),
    ...(setup.platform.openPath ? { openPath: async (path: string, reveal: boolean) => void (await ask({ op: 'openPath', path, reveal })) } : {}),
  };
}

/** Runs one platform request on the host with the shell's own platform; never throws. */
export async function answerPlatform(platform: ServicePlatform, request: Extract<BackendMessage, { kind: 'platform' }>): Promise<HostMessage> {
  try {
    if (request.op === 'pickFolder') return { kind: 'platformResult', id: request.id, ok: true, value: (await platform.pickFolder?.()) ?? null };
    await platform.openPath?.(request.path, request.reveal);
    return { kind: 'platformResult', id: request.id, ok: true, value: null };
  } catch (err) {
    return { kind: 'platformResult', id: request.id, ok: false, error: toWire(err) };
  }
}

export const rebuild = (error: { code: string; message: string }): DeskError => fromWire(error as WireError);
