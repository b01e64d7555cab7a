import { dialog, globalShortcut, Notification, type BrowserWindow } from 'electron';

/**
 * The global quick-ask shortcut: toggles the quick window from anywhere. The OS may refuse a
 * shortcut another program holds: the person is told (notification, or a dialog where
 * notifications are unavailable) and the log says which one.
 */
export class QuickAskShortcut {
  private current: string | null = null;

  constructor(private readonly window: () => BrowserWindow | null) {}

  /** Registers `accelerator`, replacing the previous one; resolves to whether the OS accepted it. */
  register(accelerator: string): boolean {
    if (accelerator === this.current) return true;
    if (this.current) globalShortcut.unregister(this.current);
    this.current = null;
    let isRegistered = false;
    try {
      isRegistered = globalShortcut.register(accelerator, () => this.toggle());
    } catch (err) {
      console.error(`quick ask: "${accelerator}" is not a valid shortcut: ${(err as Error).message}`);
    }
    if (isRegistered) {
      this.current = accelerator;
      return true;
    }
    this.tell(accelerator);
    return false;
  }

  toggle(): void {
    const win = this.window();
    if (!win || win.isDestroyed()) return;
    if (win.isVisible()) {
      win.hide();
      return;
    }
    win.center();
    win.show();
    win.focus();
  }

  dispose(): void {
    if (this.current) globalShortcut.unregister(this.current);
    this.current = null;
  }

  private tell(accelerator: string): void {
    const message = `The quick-ask shortcut ${accelerator} could not be registered (another program may use it, or it is not a valid shortcut). Choose another one in Settings.`;
    console.warn(`quick ask: ${message}`);
    if (Notification.isSupported()) new Notification({ title: 'DeFormer Desk', body: message }).show();
    else void dialog.showMessageBox({ type: 'warning', title: 'DeFormer Desk', message });
  }
}
