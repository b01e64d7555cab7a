/**
 * The backend process of the desktop app: the DeskService (with its indexer child and engine
 * threads) runs in an Electron utilityProcess, started from core/backend/backend-process.ts
 * (built to out/main/backend.js); main keeps windows, dialogs, the tray/shortcut and forwards
 * contract calls and events over the typed channel (core/backend/channel.ts).
 * Not covered by tests here (the electron binary is not installed in CI); the same entry and
 * channel are tested as a forked Node child (core/backend/backend-process.test.ts).
 */
import { join } from 'node:path';
import { utilityProcess } from 'electron';
import { BackendClient } from '../core/backend/backend-client';
import type { BackendSetup } from '../core/backend/channel';
import { DeskError } from '../core/errors';
import type { ServicePlatform } from '../core/service';

export async function startUtilityBackend(setup: Omit<BackendSetup, 'platform'>, platform: ServicePlatform): Promise<BackendClient> {
  const child = utilityProcess.fork(join(import.meta.dirname, 'backend.js'), [], { serviceName: 'DeFormer Desk backend', stdio: 'inherit' });
  const port = {
    send: (message: unknown) => child.postMessage(message),
    onMessage: (listener: (message: unknown) => void) => {
      child.on('message', listener);
      return () => void child.off('message', listener);
    },
  };
  let client: BackendClient | undefined;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => {
      const reason = `backend process exited (code ${code})`;
      if (client) client.disconnected(reason);
      else reject(new DeskError('INTERNAL', reason));
    });
  });
  exited.catch(() => undefined);
  client = await Promise.race([BackendClient.connect(port, setup, platform), exited]);
  return client;
}
