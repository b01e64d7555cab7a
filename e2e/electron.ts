import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The installed Electron binary, or null where the optional dependency could not be installed. */
export function electronBinary(): string | null {
  try {
    const require = createRequire(join(import.meta.dirname, '..', 'package.json'));
    const binary = require('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}
