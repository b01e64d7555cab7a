/**
 * The web shell as `npm run bench -- --load` runs it, in its own process so that its memory is
 * measured apart from the 200 clients: startWebApp (the same composition root and server as
 * `npm run serve`) on a data folder and a checkpoint folder given as arguments. Prints one JSON
 * line `{ origin, token, pid }` once the library is indexed, then serves until killed.
 *   tsx src-main/bench/load-server.ts <data dir> <docs dir> <checkpoint dir>
 */
import { startWebApp } from '../web/web-app';

const [appDataDir, docsDir, model] = process.argv.slice(2);
const app = await startWebApp({ appDataDir, model, builtinModelDir: null, watch: false, staticDir: appDataDir });
await app.service['folders.add']({ path: docsDir });
await app.service.whenIdle();
console.log(JSON.stringify({ origin: app.server.origin, token: app.server.token, pid: process.pid }));
const stop = () => void app.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
