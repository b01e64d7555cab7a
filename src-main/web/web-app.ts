import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDesk, type DeskSetup } from '../core/backend/setup';
import type { DeskService } from '../core/service';
import { startWebServer, type WebServer } from './server';

/** Repository root (this file lives in src-main/web). */
export const repoRoot = resolve(import.meta.dirname, '../..');
/** Where `npm run build:web` puts the UI. */
export const defaultStaticDir = join(repoRoot, 'out', 'web');

/** Options for the web shell: the service's, plus where the UI is and which port. */
export interface WebAppOptions extends Omit<DeskSetup, 'shell'> {
  staticDir?: string;
  port?: number;
  /** Connections open at once (default 256, see below). */
  maxConnections?: number;
}

/**
 * Past its question queue the service answers BUSY at once, so an open connection costs little;
 * a connection refused for being one too many is a reset the client cannot tell from a crash.
 * Hence room for a few hundred (the load benchmark runs 200 clients).
 */
const defaultMaxConnections = 256;

/** The service and the server in front of it; `close` stops both. */
export interface WebApp {
  service: DeskService;
  server: WebServer;
  close(): Promise<void>;
}

/** Opens the service on an app data folder and serves it on 127.0.0.1 (used by serve.ts and the e2e suite). */
export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const { staticDir = defaultStaticDir, port, maxConnections = defaultMaxConnections, ...serviceOptions } = options;
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const service = await openDesk({ version, ...serviceOptions, shell: 'web' });
  try {
    const server = await startWebServer({ backend: service, staticDir, port, maxConnections });
    return {
      service,
      server,
      close: async () => {
        await server.close();
        await service.close();
      },
    };
  } catch (err) {
    await service.close();
    throw err;
  }
}
