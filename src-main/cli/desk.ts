/**
 * How CLI commands open the app: through the composition root (core/backend/setup.ts), so
 * `ask` and `index` use the same data folder, settings and active model as the app and the web
 * shell. Flags override settings for this run only, except `index`'s cache-shaping flags (index-cmd.ts).
 */
import type { ParseArgsConfig } from 'node:util';
import { openDesk } from '../core/backend/setup';
import type { Settings } from '../core/contract';
import { PrecisionSchema, ProviderSchema, WeightsSchema } from '../core/contract';
import { DeskError, fromWire, type WireError } from '../core/errors';
import type { MethodName, RequestOf, ResponseOf } from '../core/contract';
import type { DeskService, DeskServiceOptions } from '../core/service';

/** The flags every command that opens the app takes. */
export const deskFlags = {
  db: { type: 'string' },
  library: { type: 'string' },
  models: { type: 'string' },
  model: { type: 'string' },
  k: { type: 'string' },
  provider: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const deskUsage =
  '  --db DIR         the data folder (settings, library, models; default the app\'s own, as `npm run serve` and the app use)\n' +
  '  --models DIR     installed models (default <data>/models)\n' +
  '  --model NAME|DIR the model for this run: an installed one, or a checkpoint folder (default: the active model)\n' +
  '  --k K, --provider auto|cpu|cuda|...   override the settings for this run (`index` saves --k: it shapes the cache)';

type Flags = { [K in keyof typeof deskFlags]?: string };

/** Opens the app's service with the flags as this run's settings. */
export function openCliDesk(flags: Flags, overrides: Partial<Settings>, options: Partial<DeskServiceOptions> = {}): Promise<DeskService> {
  const settings: Partial<Settings> = { ...overrides };
  if (flags.k !== undefined) settings.k = wholeNumber(flags.k, '--k');
  if (flags.provider !== undefined) settings.provider = oneOf(ProviderSchema.options, flags.provider, '--provider');
  return openDesk({
    shell: 'cli',
    watch: false,
    ...options,
    appDataDir: flags.db ?? flags.library,
    modelsDir: flags.models,
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    settingsOverrides: settings,
  });
}

/** A contract call through the service's dispatcher (validated like any shell's); a failure throws its DeskError. */
export async function call<M extends MethodName>(service: DeskService, method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  const result = await service.handle(method, request);
  if (!result.ok) throw fromWire(result.error as WireError);
  return result.value as ResponseOf<M>;
}

export function precisionFlag(value: string): Settings['precision'] {
  return oneOf(PrecisionSchema.options, value, '--precision');
}

export function weightsFlag(value: string): Settings['weights'] {
  return oneOf(WeightsSchema.options, value, '--weights');
}

export function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new DeskError('BAD_REQUEST', `${flag} must be a whole number, not "${value}"`);
  return n;
}

export function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new DeskError('BAD_REQUEST', `${flag} must be a positive number, not "${value}"`);
  return n;
}

function oneOf<T extends string>(allowed: readonly T[], value: string, flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new DeskError('BAD_REQUEST', `${flag} must be ${allowed.join(', ')}, not "${value}"`);
}
