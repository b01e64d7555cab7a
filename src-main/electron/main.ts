/**
 * The desktop shell: Electron main. It owns windows, the global shortcut and the OS dialogs; the
 * DeskService does the work in the backend utilityProcess (electron/backend.ts; its indexer is a
 * child of that process), and main only carries contract calls and events between the two.
 *   electron . [--library DIR] [--models DIR]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { app, BrowserWindow, dialog, shell } from 'electron';
import { builtinModelName } from '../../models/builtin';
import { DeskError } from '../core/errors';
import type { BackendClient } from '../core/backend/backend-client';
import { dataFolders } from '../core/backend/setup';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { startUtilityBackend } from './backend';
import { forwardEvents, registerIpc } from './ipc';
import { QuickAskShortcut } from './quick-ask';
import { devServerUrl, guardContents, hardenSession } from './security';
import { createMainWindow, createQuickWindow } from './windows';

let backend: BackendClient | null = null;
let mainWindow: BrowserWindow | null = null;
let quickWindow: BrowserWindow | null = null;
let isQuitting = false;
let isClosed = false;
const shortcut = new QuickAskShortcut(() => quickWindow);

/** `--library` / `--models`, as the web shell takes them; Electron's own switches are ignored. */
function folders(): { appDataDir: string; modelsDir?: string } {
  const { values } = parseArgs({
    args: process.argv.slice(1),
    options: { library: { type: 'string' }, models: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const library = typeof values.library === 'string' ? values.library : undefined;
  const models = typeof values.models === 'string' ? values.models : undefined;
  // The same default folder as the web shell and the CLI: all open one library.
  return dataFolders({ library, models });
}

async function start(): Promise<void> {
  hardenSession();
  if (!devServerUrl) serveRenderer(join(import.meta.dirname, '../renderer'));
  const appRoot = app.getAppPath();
  // The service runs in the backend process; what only main can do (dialogs, the shell) is asked back over the channel.
  backend = await startUtilityBackend(
    {
      shell: 'electron',
      ...folders(),
      version: app.getVersion(),
      // The bundle lives in out/main: point the core at the data files it ships beside its sources.
      cataloguePath: join(appRoot, 'models', 'catalogue.json'),
      builtinModelDir: join(appRoot, 'models', 'builtin', builtinModelName),
      defaultTokenizerDir: join(appRoot, 'resources', 'tokenizer'),
    },
    {
      pickFolder: async () => {
        const options: Electron.OpenDialogOptions = { title: 'Add a folder to your library', properties: ['openDirectory'] };
        const picked = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return picked.canceled ? null : (picked.filePaths[0] ?? null);
      },
      openPath: async (path, reveal) => {
        if (reveal) return shell.showItemInFolder(path);
        const failure = await shell.openPath(path);
        if (failure) throw new DeskError('FILE_UNREADABLE', `Could not open ${path}: ${failure}`);
      },
    },
  );
  registerIpc(backend);
  forwardEvents(backend, () => [mainWindow, quickWindow]);
  mainWindow = createMainWindow();
  mainWindow.on('closed', () => (mainWindow = null));
  quickWindow = createQuickWindow(() => isQuitting);
  const settings = await backend.handle('settings.get', {});
  if (settings.ok) shortcut.register((settings.value as { shortcut: string }).shortcut);
  backend.bus.on((event) => {
    if (event.name === 'settingsChanged') shortcut.register(event.payload.shortcut);
  });
}

async function shutdown(): Promise<void> {
  shortcut.dispose();
  await backend?.close();
}

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) mainWindow = createMainWindow();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_, contents) => guardContents(contents));
  app.on('activate', () => {
    if (backend && !mainWindow) {
      mainWindow = createMainWindow();
      mainWindow.on('closed', () => (mainWindow = null));
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    isQuitting = true;
    if (isClosed) return;
    event.preventDefault();
    void shutdown()
      .catch((err: Error) => console.error(`shutdown: ${err.message}`))
      .finally(() => {
        isClosed = true;
        app.quit();
      });
  });
  app
    .whenReady()
    .then(start)
    .catch((err: Error) => {
      console.error(err);
      dialog.showErrorBox('DeFormer Desk could not start', err.message);
      isClosed = true;
      app.quit();
    });
}
