/**
 * The renderer's only door to the app: `window.desk` with the contract's calls and events, and
 * the path of a dropped file. No Node, no ipcRenderer, no channel of our own choosing leaks into
 * the page (contextIsolation + sandbox); the main process checks every call again.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, ipcChannel, isMethodName, type DeskEvent, type Result } from '../core/contract';

const desk = {
  invoke(method: string, payload: unknown): Promise<Result<unknown>> {
    if (!isMethodName(method)) return Promise.resolve({ ok: false, error: { code: 'BAD_REQUEST', message: `Unknown method "${method}".` } });
    return ipcRenderer.invoke(ipcChannel(method), payload) as Promise<Result<unknown>>;
  },
  onEvent(listener: (event: DeskEvent) => void): () => void {
    const handler = (_: IpcRendererEvent, event: DeskEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.off(EVENT_CHANNEL, handler);
    };
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('desk', desk);
