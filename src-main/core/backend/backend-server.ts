/**
 * The backend side of the channel (channel.ts): opens the DeskService through the composition
 * root with the host's setup, answers contract calls with the service's dispatcher (which
 * validates each payload against the contract), forwards the service's events, and asks the
 * host for what only the shell can do (dialogs, opening files).
 */
import { toWire } from '../errors';
import type { DeskService } from '../service';
import { BackendMessageSchema, HostMessageSchema, parseMessage, rebuild, remotePlatform, type BackendMessage, type MessagePort } from './channel';
import { openDesk } from './setup';

/** Serves one DeskService over `port` until the host says close; then calls `onClosed`. */
export function serveBackend(port: MessagePort, onClosed: () => void): void {
  let service: DeskService | null = null;
  let opening: Promise<void> | null = null;
  let nextPlatformId = 1;
  const platformWaiters = new Map<number, { resolve(value: string | null): void; reject(err: Error): void }>();
  // Outgoing messages are checked too: a drift from the protocol fails here, at its source.
  const send = (message: BackendMessage) => port.send(parseMessage(BackendMessageSchema, message, 'backend (sending)'));

  port.onMessage((raw) => {
    let message;
    try {
      message = parseMessage(HostMessageSchema, raw, 'backend');
    } catch (err) {
      return console.error((err as Error).message);
    }
    switch (message.kind) {
      case 'open': {
        const { setup } = message;
        const platform = remotePlatform(setup, (op) => {
          const id = nextPlatformId++;
          return new Promise((resolve, reject) => {
            platformWaiters.set(id, { resolve, reject });
            send({ kind: 'platform', id, ...op });
          });
        });
        const { platform: _which, ...options } = setup;
        opening ??= openDesk({ ...options, platform }).then(
          (opened) => {
            service = opened;
            opened.bus.on((event) => send({ kind: 'event', name: event.name, payload: event.payload }));
            send({ kind: 'ready' });
          },
          (err: unknown) => send({ kind: 'failed', error: toWire(err) }),
        );
        return;
      }
      case 'call': {
        const { id, method, payload } = message;
        const answer = service
          ? service.handle(method, payload)
          : Promise.resolve({ ok: false as const, error: { code: 'INTERNAL', message: 'The backend is not open yet.' } });
        void answer.then((result) => send({ kind: 'result', id, result }));
        return;
      }
      case 'platformResult': {
        const waiter = platformWaiters.get(message.id);
        platformWaiters.delete(message.id);
        if (message.ok) waiter?.resolve(message.value ?? null);
        else waiter?.reject(rebuild(message.error ?? { code: 'INTERNAL', message: 'platform call failed' }));
        return;
      }
      case 'close':
        void (opening ?? Promise.resolve())
          .then(() => service?.close())
          .catch((err: Error) => console.error(`backend close: ${err.message}`))
          .finally(() => {
            send({ kind: 'closed' });
            onClosed();
          });
    }
  });
}
