/**
 * The renderer's one way to the service. A transport carries `(method, payload)` calls and
 * events: IPC through the preload's `window.desk` (desktop), or HTTP + server-sent events with
 * the run's token (web shell). The typed client is generated over the contract's method names,
 * so a new method needs no code here.
 */
import {
  EVENTS_PATH, httpPath, methodNames, TOKEN_HEADER,
  type DeskApi, type DeskEvent, type MethodName, type Result,
} from '$contract';

/** What the Electron preload exposes (src-main/electron/preload.ts). */
export interface DeskPreload {
  invoke(method: string, payload: unknown): Promise<Result<unknown>>;
  onEvent(listener: (event: DeskEvent) => void): () => void;
  /** The file-system path of a dropped file or folder. */
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    desk?: DeskPreload;
  }
}

/** An error the service answered with; `code` is the contract's stable code. */
export class DeskCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeskCallError';
  }
}

/** One way to reach the service. */
export interface Transport {
  readonly kind: 'electron' | 'web';
  call(method: MethodName, payload: unknown): Promise<unknown>;
  onEvent(listener: (event: DeskEvent) => void): () => void;
  /** A dropped item's path (desktop only; the browser hides paths). */
  pathForFile(file: File): string | null;
}

/** Desktop: IPC through the preload bridge. */
export function ipcTransport(desk: DeskPreload): Transport {
  return {
    kind: 'electron',
    async call(method, payload) {
      const result = await desk.invoke(method, payload);
      if (!result.ok) throw new DeskCallError(result.error.code, result.error.message);
      return result.value;
    },
    onEvent: (listener) => desk.onEvent(listener),
    pathForFile: (file) => desk.pathForFile(file) || null,
  };
}

/** Web shell: POST /api/<method> with the token header; events over EventSource with the token in the query. */
export function webTransport(token: string, origin = ''): Transport {
  const listeners = new Set<(event: DeskEvent) => void>();
  let source: EventSource | null = null;
  const ensureStream = () => {
    if (source) return;
    source = new EventSource(`${origin}${EVENTS_PATH}?token=${encodeURIComponent(token)}`);
    source.onmessage = (message) => {
      const event = JSON.parse(message.data as string) as DeskEvent;
      for (const listener of listeners) listener(event);
    };
  };
  return {
    kind: 'web',
    async call(method, payload) {
      const response = await fetch(`${origin}${httpPath(method)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
        body: JSON.stringify(payload ?? {}),
      });
      const body = (await response.json().catch(() => null)) as unknown;
      if (!response.ok) {
        // The transport itself failed (token, size, timeout) or a bug: {code, message} with a 4xx/5xx.
        const error = body as { code?: string; message?: string } | null;
        throw new DeskCallError(error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${response.status}`);
      }
      // The call went through: the service's Result, with an expected failure as {ok: false} (web/server.ts).
      const result = body as Result<unknown> | null;
      if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') throw new DeskCallError('INTERNAL', `${method}: the server answered outside the Result envelope.`);
      if (!result.ok) throw new DeskCallError(result.error.code, result.error.message);
      return result.value;
    },
    onEvent(listener) {
      listeners.add(listener);
      ensureStream();
      return () => listeners.delete(listener);
    },
    pathForFile: () => null,
  };
}

/** The typed client: one function per contract method. */
export function createClient(transport: Transport): DeskApi {
  const entries = methodNames.map((method) => [method, (request: unknown) => transport.call(method, request ?? {})]);
  return Object.fromEntries(entries) as DeskApi;
}

const tokenKey = 'desk-token';

/**
 * The web shell's token: taken from `?token=` on first load (then removed from the address bar,
 * so it is not left in history or screenshots) and kept in sessionStorage for reloads.
 */
export function webToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(tokenKey, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(tokenKey);
}

/** Picks the transport this page runs under. */
export function connect(): Transport {
  if (window.desk) return ipcTransport(window.desk);
  const token = webToken();
  if (!token) throw new DeskCallError('UNAUTHORIZED', 'Open the address printed by `npm run serve`: it carries the access token.');
  return webTransport(token);
}
