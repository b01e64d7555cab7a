/**
 * The host side of the channel (channel.ts): what Electron main (or a test) holds instead of a
 * DeskService. It only forwards: contract calls out, results and events back, each checked on
 * receipt against the contract; platform requests are answered with the shell's own platform.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeskEvent, Result } from '../contract';
import { DeskError } from '../errors';
import { childProcessPort } from '../index/protocol';
import type { ServicePlatform } from '../service';
import {
  answerPlatform, BackendMessageSchema, checkedEvent, checkedResult, HostMessageSchema, parseMessage, rebuild,
  type BackendSetup, type HostMessage, type MessagePort,
} from './channel';

/** How long `close` waits for the backend to close its service before the caller may kill it. */
const closeGraceMs = 15_000;

export class BackendClient {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve(result: Result<unknown>): void }>();
  private readonly listeners = new Set<(event: DeskEvent) => void>();
  private gone: string | null = null;
  private closed: (() => void) | null = null;
  /** Settles `connect` when the backend answers `open`. */
  private opened: { resolve(): void; reject(err: Error): void } | null = null;
  /** The event bus as the web server and Electron's forwarder take it. */
  readonly bus = { on: (listener: (event: DeskEvent) => void) => (this.listeners.add(listener), () => void this.listeners.delete(listener)) };

  private constructor(
    private readonly port: MessagePort,
    private readonly platform: ServicePlatform,
  ) {}

  /** Opens the backend behind `port` (a process started by the caller); rejects as opening the service would. */
  static async connect(port: MessagePort, setup: Omit<BackendSetup, 'platform'>, platform: ServicePlatform = {}): Promise<BackendClient> {
    const client = new BackendClient(port, platform);
    const ready = new Promise<void>((resolve, reject) => {
      client.opened = { resolve, reject };
    });
    port.onMessage((raw) => client.receive(raw));
    client.send({ kind: 'open', setup: { ...setup, platform: { pickFolder: !!platform.pickFolder, openPath: !!platform.openPath } } });
    await ready;
    return client;
  }

  /** A contract call, answered as the service's dispatcher answers it (never throws). */
  handle(method: string, payload: unknown): Promise<Result<unknown>> {
    if (this.gone) return Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: this.gone } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { method, resolve });
      this.send({ kind: 'call', id, method, payload });
    });
  }

  /** Asks the backend to close its service (indexer included) and waits for it, within a grace period. */
  async close(): Promise<void> {
    if (this.gone) return;
    const done = new Promise<void>((resolve) => {
      this.closed = resolve;
      setTimeout(resolve, closeGraceMs).unref();
    });
    this.send({ kind: 'close' });
    await done;
    this.disconnected('the backend is closed');
  }

  /** The backend process is gone: pending and later calls answer INTERNAL. */
  disconnected(reason: string): void {
    this.gone ??= reason;
    this.opened?.reject(new DeskError('INTERNAL', reason));
    for (const { resolve } of this.pending.values()) resolve({ ok: false, error: { code: 'INTERNAL', message: reason } });
    this.pending.clear();
    this.closed?.();
  }

  private send(message: HostMessage): void {
    this.port.send(parseMessage(HostMessageSchema, message, 'host (sending)'));
  }

  private receive(raw: unknown): void {
    let message;
    try {
      message = parseMessage(BackendMessageSchema, raw, 'host');
    } catch (err) {
      return console.error((err as Error).message);
    }
    switch (message.kind) {
      case 'ready':
        this.opened?.resolve();
        this.opened = null;
        return;
      case 'failed':
        this.opened?.reject(rebuild(message.error));
        this.opened = null;
        return;
      case 'result': {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        call?.resolve(checkedResult(call.method, message.result));
        return;
      }
      case 'event': {
        const event = checkedEvent(message.name, message.payload);
        if (event) for (const listener of this.listeners) listener(event);
        return;
      }
      case 'platform':
        void answerPlatform(this.platform, message).then((answer) => this.send(answer));
        return;
      case 'closed':
        this.closed?.();
    }
  }
}

/**
 * Starts the backend as a plain Node child (child_process.fork): what the tests run, and the same
 * entry Electron starts as a utilityProcess. Resolves once its service is open.
 */
export async function forkBackend(setup: Omit<BackendSetup, 'platform'>, platform: ServicePlatform = {}, entryFile?: string): Promise<BackendClient> {
  const ts = join(import.meta.dirname, 'backend-process.ts');
  // Default: the sources under tsx; a built bundle's backend.js when named (the desktop build's e2e).
  const entry = entryFile ?? (existsSync(ts) ? ts : join(import.meta.dirname, 'backend.js'));
  const child = fork(entry, [], { execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = childProcessPort(child);
  let client: BackendClient | null = null;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      const reason = `backend process exited (${signal ?? `code ${code}`})`;
      if (client) client.disconnected(reason);
      else reject(new DeskError('INTERNAL', reason));
    }),
  );
  exited.catch(() => undefined);
  try {
    client = await Promise.race([BackendClient.connect(port, setup, platform), exited]);
    return client;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}
