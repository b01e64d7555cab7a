import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { EVENT_CHANNEL, ipcChannel, methodNames, type Result } from '../core/contract';
import type { BackendClient } from '../core/backend/backend-client';
import { isOwnUrl } from './security';

/**
 * The contract over IPC, generated: one `ipcMain.handle` per method name, each carrying the call
 * through the backend channel to the service's dispatcher (which validates the payload). Only our own top-level pages may
 * call; a frame from anywhere else gets UNAUTHORIZED.
 */
export function registerIpc(service: Pick<BackendClient, 'handle'>): () => void {
  for (const method of methodNames) {
    ipcMain.handle(ipcChannel(method), (event: IpcMainInvokeEvent, payload: unknown): Promise<Result<unknown>> => {
      const frame = event.senderFrame;
      if (!frame || frame !== event.sender.mainFrame || !isOwnUrl(frame.url)) {
        return Promise.resolve({ ok: false, error: { code: 'UNAUTHORIZED', message: 'Calls are accepted only from the app’s own pages.' } });
      }
      return service.handle(method, payload);
    });
  }
  return () => {
    for (const method of methodNames) ipcMain.removeHandler(ipcChannel(method));
  };
}

/** Sends every service event to the given windows (those still open). */
export function forwardEvents(service: Pick<BackendClient, 'bus'>, windows: () => Array<BrowserWindow | null>): () => void {
  return service.bus.on((event) => {
    for (const win of windows()) {
      if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
    }
  });
}
