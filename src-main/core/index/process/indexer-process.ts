/**
 * Entry of the indexer process: serves one Library over the parent's channel. Started by
 * `IndexerHost.fork` (child_process.fork) or by the Electron shell as a utilityProcess.
 */
import { serveLibrary } from './indexer-server';
import { parentProcessPort, utilityParentPort } from '../protocol';

const port = utilityParentPort() ?? parentProcessPort();
if (!port) {
  console.error('indexer-process: start it with child_process.fork or Electron utilityProcess');
  process.exit(2);
}
serveLibrary(port, () => process.exit(0));
// The host is gone: nothing will ever ask again. LMDB writes are transactional, so exiting is safe.
process.on('disconnect', () => process.exit(0));
