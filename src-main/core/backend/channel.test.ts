import { describe, expect, it, vi } from 'vitest';
import type { DeskEvent } from '../contract';
import { BackendClient } from './backend-client';
import { HostMessageSchema, type MessagePort } from './channel';

/** A scripted backend on an in-memory port: it answers `open`, then whatever the test sends. */
function fakeBackend() {
  const toHost = new Set<(m: unknown) => void>();
  const received: unknown[] = [];
  const port: MessagePort = {
    send: (message) => {
      received.push(message);
      if ((message as { kind: string }).kind === 'open') queueMicrotask(() => emit({ kind: 'ready' }));
    },
    onMessage: (listener) => (toHost.add(listener), () => toHost.delete(listener)),
  };
  const emit = (message: unknown) => toHost.forEach((listener) => listener(message));
  return { port, emit, received };
}

describe('the backend channel (both directions checked on receipt)', () => {
  it('sends only messages of the protocol, the setup saying which platform calls the host answers', async () => {
    const backend = fakeBackend();
    await BackendClient.connect(backend.port, { shell: 'electron' }, { pickFolder: async () => null });
    expect(HostMessageSchema.parse(backend.received[0])).toMatchObject({ kind: 'open', setup: { platform: { pickFolder: true, openPath: false } } });
  });

  it('turns a result outside the method’s contract into INTERNAL and drops an event outside the contract', async () => {
    const backend = fakeBackend();
    const client = await BackendClient.connect(backend.port, { shell: 'web' });
    const events: DeskEvent[] = [];
    client.bus.on((event) => events.push(event));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const answer = client.handle('settings.get', {});
    backend.emit({ kind: 'result', id: 1, result: { ok: true, value: { precision: 'fp64' } } });
    expect(await answer).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/settings.get answered outside the contract/) } });
    backend.emit({ kind: 'event', name: 'documentRemoved', payload: { path: 42 } });
    backend.emit({ kind: 'event', name: 'noSuchEvent', payload: {} });
    backend.emit({ kind: 'event', name: 'documentRemoved', payload: { path: '/a.txt' } });
    expect(events).toEqual([{ name: 'documentRemoved', payload: { path: '/a.txt' } }]);
    expect(errors).toHaveBeenCalledTimes(2);
    errors.mockRestore();
  });

  it('fails the opening with the backend’s typed error', async () => {
    const backend = fakeBackend();
    backend.port.send = () => queueMicrotask(() => backend.emit({ kind: 'failed', error: { code: 'MODEL_NOT_INSTALLED', message: 'no model' } }));
    await expect(BackendClient.connect(backend.port, { shell: 'web' })).rejects.toMatchObject({ code: 'MODEL_NOT_INSTALLED' });
  });
});
