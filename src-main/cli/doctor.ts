/**
 * `doctor [--db <dir>] [--models DIR] [--json]`
 * Prints the ONNX Runtime providers of this build, what `auto` runs on and why (with how to get
 * CUDA when it is missing), the installed and active models, and a library cache's status.
 */
import { join, resolve } from 'node:path';
import { doctorReport, formatDoctorReport } from '../core/hub/doctor';
import { defaultAppDataDir } from '../core/settings';
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
  const report = await doctorReport({
    modelsDir: resolve(values.models ?? join(defaultAppDataDir(), 'models')),
    dbDir: values.db ? resolve(values.db) : undefined,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
  return 0;
}
