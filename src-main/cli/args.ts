import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What node:util's parseArgs returns for a given config. */
export type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * Parses a command's arguments the way every CLI command does: `--help` prints the usage and
 * stops with exit code 0. Returns the parsed arguments, or the exit code when the command should stop.
 */
export function parseCommand<T extends ParseArgsConfig>(usage: string, config: T): Parsed<T> | number {
  const parsed = parseArgs(config);
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  return parsed;
}

/** A call the command cannot run: the usage on stderr, exit code 2. */
export function usageError(usage: string): number {
  console.error(usage);
  return 2;
}
