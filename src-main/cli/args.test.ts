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

it('an unknown flag prints its message and the usage, exit code 2, no stack', () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(parseCommand('usage: x', config(['--nope']))).toBe(2);
  expect(error).toHaveBeenCalledWith(expect.stringMatching(/^Unknown option '--nope'[^]*\nusage: x$/));
  expect(error.mock.calls[0][0]).not.toMatch(/\n\s+at /);
});

it('--help wins even beside an unknown flag', () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(parseCommand('usage: x', config(['--nope', '--help']))).toBe(0);
  expect(log).toHaveBeenCalledWith('usage: x');
});
