import { afterEach, expect, it, vi } from 'vitest';
import { parseCommand, usageError } from './args';

afterEach(() => vi.restoreAllMocks());

const config = (args: string[]) => ({
  args,
  allowPositionals: true,
  options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
}) as const;

it('--help prints the usage to stdout and stops with 0', () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(parseCommand('usage: x', config(['-h']))).toBe(0);
  expect(log).toHaveBeenCalledWith('usage: x');
});

it('returns the parsed arguments otherwise', () => {
  const parsed = parseCommand('usage: x', config(['q', '--db', 'd']));
  expect(parsed).toMatchObject({ values: { db: 'd', help: false }, positionals: ['q'] });
});

it('usageError prints the usage to stderr and gives exit code 2', () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(usageError('usage: x')).toBe(2);
  expect(error).toHaveBeenCalledWith('usage: x');
});
