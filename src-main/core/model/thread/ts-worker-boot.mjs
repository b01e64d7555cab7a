// Starts a TypeScript worker thread from the sources (tests, `npm run cli`, the web shell):
// worker threads do not inherit tsx from the parent's `--import tsx`. Built apps start the
// compiled .js entry directly and never load this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.tsEntry);
