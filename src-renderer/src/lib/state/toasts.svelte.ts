/** Short messages announced to screen readers (aria-live) and shown for a few seconds. */
export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

const visibleMs = 6000;

export class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;

  /** One toast per cause: the same text again replaces the one on screen (and restarts its time). */
  show(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.nextId++;
    this.items = [...this.items.filter((t) => t.text !== text).slice(-2), { id, kind, text }];
    setTimeout(() => this.dismiss(id), visibleMs);
  }

  /** Shows an error from a failed call (a DeskCallError keeps the service's message). */
  error(err: unknown): void {
    this.show(err instanceof Error ? err.message : String(err), 'error');
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
