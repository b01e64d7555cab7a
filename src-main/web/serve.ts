/**
 * `npm run serve`: the desktop app without Electron. Opens the service on an app data folder,
 * serves the built UI (out/web) on 127.0.0.1, and prints the URL with this run's token.
 *   --library DIR   app data folder (settings, LMDB cache, models, graph cache)
 *   --models DIR    installed models (default <library>/models)
 *   --port N        fixed port (default: a free one)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataFolders } from '../core/backend/setup';
import { defaultStaticDir, startWebApp } from './web-app';

const usage = 'usage: serve [--library DIR] [--models DIR] [--port N]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      library: { type: 'string' },
      models: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number\n${usage}`);
    process.exit(2);
  }
  if (!existsSync(join(defaultStaticDir, 'index.html'))) {
    console.error(`The UI is not built (${defaultStaticDir}): run \`npm run build:web\` first, or use \`npm run serve\`.`);
    process.exit(1);
  }
  const { appDataDir, modelsDir } = dataFolders(values);
  const app = await startWebApp({ appDataDir, modelsDir, port });
  console.log(`DeFormer Desk (web shell), library ${appDataDir}`);
  console.log(`Open ${app.server.url}`);

  let isStopping = false;
  const stop = () => {
    if (isStopping) return;
    isStopping = true;
    void app.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
