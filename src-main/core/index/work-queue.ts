/** One path waiting to be looked at: the worker decides from the disk whether to index or remove it. */
export interface WorkItem {
  path: string;
  folder: string;
  /** Size on disk when queued (0 when unknown or deleted): feeds the ETA. */
  size: number;
}

/**
 * FIFO of paths, deduplicated: a path queued twice keeps its first place, because the worker
 * reads the disk when it gets there and so sees the latest state anyway.
 */
export class WorkQueue {
  private readonly items = new Map<string, WorkItem>();

  get length(): number {
    return this.items.size;
  }

  push(item: WorkItem): void {
    const old = this.items.get(item.path);
    this.items.set(item.path, old ? { ...old, size: item.size } : item);
  }

  shift(): WorkItem | undefined {
    const first = this.items.values().next();
    if (first.done) return undefined;
    this.items.delete(first.value.path);
    return first.value;
  }

  get(path: string): WorkItem | undefined {
    return this.items.get(path);
  }

  /** Drops every item of a folder (the folder was removed). */
  dropFolder(folder: string): void {
    for (const [path, item] of this.items) if (item.folder === folder) this.items.delete(path);
  }

  values(): IterableIterator<WorkItem> {
    return this.items.values();
  }

  [Symbol.iterator](): IterableIterator<WorkItem> {
    return this.items.values();
  }
}
