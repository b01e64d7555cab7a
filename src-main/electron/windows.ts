import { join } from 'node:path';
import { BrowserWindow, nativeTheme } from 'electron';
import { pageUrl } from './security';

/** Web preferences every window shares: isolated, sandboxed, no Node, web security on. */
function webPreferences(): Electron.WebPreferences {
  return {
    preload: join(import.meta.dirname, '../preload/index.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

const background = () => (nativeTheme.shouldUseDarkColors ? '#0e1014' : '#f4f5f8');

/** The main window: the question box, results, the library panel. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 800,
    minWidth: 720,
    minHeight: 520,
    title: 'DeFormer Desk',
    backgroundColor: background(),
    show: false,
    webPreferences: webPreferences(),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(pageUrl());
  return win;
}

/**
 * The quick-ask window: small, frameless, always on top, the question box and the top answer.
 * Closing it (Esc on an empty box calls window.close()) only hides it.
 */
export function createQuickWindow(isQuitting: () => boolean): BrowserWindow {
  const win = new BrowserWindow({
    width: 680,
    height: 380,
    frame: false,
    resizable: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    show: false,
    title: 'Quick ask',
    backgroundColor: background(),
    webPreferences: webPreferences(),
  });
  win.on('close', (event) => {
    if (isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  win.on('blur', () => win.hide());
  void win.loadURL(pageUrl('#/quick'));
  return win;
}
