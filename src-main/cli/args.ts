import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What node:util's parseArgs returns for a given config. */
export type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * Parses a command's arguments the way every CLI command does: `--help` prints the usage and
 * stops with exit code 0. Returns the parsed arguments, or the exit code when the command should stop.
 */
export function parseCommand<T extends ParseArgsConfig>(usage: string, config: T): Parsed<T> | number {
  const args = config.args ?? process.argv.slice(2);
  // --help wins over anything else on the line, even a flag this command does not know.
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  try {
    return parseArgs(config);
  } catch (err) {
    // An unknown or malformed flag is the person's typo, not a bug: its message and the usage, no stack.
    if (!String((err as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS')) throw err;
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
}

/** A call the command cannot run: the usage on stderr, exit code 2. */
export function usageError(usage: string): number {
  console.error(usage);
  return 2;
}
