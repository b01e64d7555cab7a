import { join } from 'node:path';
import { utilityProcess } from 'electron';
import { IndexerHost } from '../core/index/indexer-host';
import type { LibraryOptions } from '../core/index/library';
import { withLargeBufferMalloc } from '../core/index/malloc-env';
import type { IndexerPort } from '../core/index/protocol';

/**
 * Indexing runs in an Electron utilityProcess (a Node child the app manages, off the main
 * thread): the same entry as the forked indexer (core/index/indexer-process.ts, built to
 * out/main/indexer.js), which finds `process.parentPort` there.
 */
export async function startUtilityIndexer(options: LibraryOptions): Promise<IndexerHost> {
  const child = utilityProcess.fork(join(import.meta.dirname, 'indexer.js'), [], {
    serviceName: 'DeFormer Desk indexer',
    stdio: 'inherit',
    env: withLargeBufferMalloc(process.env),
  });
  const port: IndexerPort = {
    send: (message) => child.postMessage(message),
    onMessage: (listener) => {
      child.on('message', listener);
      return () => child.off('message', listener);
    },
  };
  let host: IndexerHost | undefined;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => {
      const reason = `indexer process exited (code ${code})`;
      if (host) host.disconnected(reason);
      else reject(new Error(reason));
    });
  });
  host = await Promise.race([IndexerHost.connect(port, options), exited]);
  return host;
}
