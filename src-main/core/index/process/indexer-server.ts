import { DeskError, toWire } from '../../errors';
import { Library, type LibraryChanges, type LibraryOptions } from '../library';
import { RequestSchema, type IndexerMethods, type IndexerPort, type LibrarySnapshot, type Reply, type Request } from '../protocol';
import type { AddFolderOptions } from '../types';

/** Document-mirror updates are batched this often; events and results flush them first. */
const mirrorIntervalMs = 100;

/**
 * Serves one Library over a port (the indexer process's side of protocol.ts). `onClosed` runs
 * after the `close` call has been answered: the process entry exits there.
 */
export function serveLibrary(port: IndexerPort, onClosed: () => void): void {
  let library: Library | undefined;
  const dirty = new Set<string>();
  let sentFolders = '[]';
  const timer = setInterval(() => flush(), mirrorIntervalMs);
  timer.unref();

  const send = (reply: Reply) => port.send(reply);

  /** Sends the documents that changed since the last flush, so the host's sync reads are current. */
  function flush(): void {
    if (!library) return;
    const folders = library.listFolders();
    if (dirty.size === 0 && JSON.stringify(folders) === sentFolders) return;
    sentFolders = JSON.stringify(folders);
    const upserts = [];
    const removed = [];
    for (const path of dirty) {
      const doc = library.document(path);
      if (doc) upserts.push(doc);
      else removed.push(path);
    }
    dirty.clear();
    send({ kind: 'mirror', folders, upserts, removed });
  }

  function opened(): Library {
    if (!library) throw new DeskError('BAD_REQUEST', 'the indexer is not open yet');
    return library;
  }

  const handlers: { [M in keyof IndexerMethods]: (...args: Parameters<IndexerMethods[M]>) => Promise<ReturnType<IndexerMethods[M]>> | ReturnType<IndexerMethods[M]> } = {
    open: async (options: LibraryOptions): Promise<LibrarySnapshot> => {
      if (library) throw new DeskError('BAD_REQUEST', 'the indexer is already open');
      library = await Library.open(options, {
        onEvent: (event) => {
          flush();
          send({ kind: 'event', event });
        },
        onDocumentsChanged: (paths) => {
          for (const path of paths) dirty.add(path);
        },
      });
      dirty.clear();
      sentFolders = JSON.stringify(library.listFolders());
      return { folders: library.listFolders(), progress: library.progress(), documents: library.documents() };
    },
    // An absent argument arrives as null (the IPC channel serialises as JSON).
    addFolder: (folder: string, opts?: AddFolderOptions | null) => opened().addFolder(folder, { confirm: opts?.confirm === true }),
    removeFolder: (folder: string) => opened().removeFolder(folder),
    pause: () => opened().pause(),
    resume: () => opened().resume(),
    whenIdle: () => opened().whenIdle(),
    reconfigure: (changes: LibraryChanges) => opened().reconfigure(changes),
    stats: () => opened().stats(),
    memory: () => process.memoryUsage(),
    close: async () => {
      clearInterval(timer);
      // Forgotten first: a flush after the close must not read the closed store.
      const closing = library;
      library = undefined;
      await closing?.close();
    },
  };

  port.onMessage(async (raw) => {
    const parsed = RequestSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown } | null)?.id;
      const error = { code: 'BAD_REQUEST' as const, message: `indexer: a request outside the protocol: ${parsed.error.issues[0]?.message}` };
      if (typeof id === 'number') send({ kind: 'error', id, error });
      return;
    }
    const request: Request = parsed.data;
    const handler = handlers[request.method] as ((...args: unknown[]) => unknown) | undefined;
    try {
      if (!handler) throw new DeskError('BAD_REQUEST', `unknown indexer method "${String(request.method)}"`);
      const value = await handler(...request.args);
      flush();
      send({ kind: 'result', id: request.id, value: value ?? null });
    } catch (err) {
      flush();
      send({ kind: 'error', id: request.id, error: toWire(err) });
    }
    if (request.method === 'close') onClosed();
  });
}
