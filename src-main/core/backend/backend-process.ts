/**
 * Entry of the backend process: one DeskService (the Library's indexer child and both engine
 * threads hang off it) served over the parent's channel. Electron starts it as a utilityProcess
 * (built to out/main/backend.js); tests and tools fork it with child_process.fork.
 */
import { parentProcessPort, utilityParentPort } from '../index/protocol';
import { serveBackend } from './backend-server';

const port = utilityParentPort() ?? parentProcessPort();
if (!port) {
  console.error('backend-process: start it with child_process.fork or Electron utilityProcess');
  process.exit(2);
}
serveBackend(port, () => process.exit(0));
// The shell is gone: nothing will ask again. LMDB writes are transactional, so exiting is safe.
process.on('disconnect', () => process.exit(0));
