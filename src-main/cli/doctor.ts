/**
 * `doctor [--db <dir>] [--models DIR] [--json]`
 * Prints the ONNX Runtime providers of this build, what `auto` runs on and why (with how to get
 * CUDA when it is missing), the installed and active models, and the library cache's status, for
 * the data folder the app, the web shell and `ask` use (the default one, or --db).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataFolders } from '../core/backend/setup';
import { doctorReport, formatDoctorReport } from '../core/hub/doctor';
import { parseCommand, usageError } from './args';

const usage = 'usage: doctor [--db <dir>] [--models DIR] [--json]';

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return usageError(usage);
  const { appDataDir, modelsDir } = dataFolders({ library: values.db, models: values.models });
  const dbDir = join(appDataDir, 'library');
  const report = await doctorReport({ modelsDir, dbDir: existsSync(dbDir) ? dbDir : undefined });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
  return 0;
}
