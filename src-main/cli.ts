/**
 * DeFormer Desk from a terminal: `npm run cli -- <command> ...`.
 * Each command lives in src-main/cli/<command>.ts and returns an exit code.
 */
import { isDeskError } from './core/errors';

type Command = { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  index: { summary: 'index <folder> [--db DIR] [--model NAME|DIR] [--k K] [--precision fp32|fp16|int8|int4|int3] [--weights int8|fp32] [--watch]', load: () => import('./cli/index-cmd') },
  ask: { summary: 'ask "<question>" [--db DIR] [--model NAME|DIR] [--mode deformer|full] [--top N passages] [--answers N] [--upper-weights fp32|int8]', load: () => import('./cli/ask') },
  'eval-squad': { summary: 'eval-squad --model DIR [--mode deformer|full] [--k K] [--setting closed|open] [--limit N] [--out FILE]', load: () => import('./cli/eval-squad') },
  'eval-recipe': { summary: 'eval-recipe --run models/train/runs/NAME [--out FILE]: the training table on the held-out articles', load: () => import('./cli/eval-recipe') },
  model: { summary: 'model pull <repo-id>[@revision] | import <dir|zip> | list | remove <name> | use <name>', load: () => import('./cli/model') },
  doctor: { summary: 'doctor [--db DIR]: providers, model and cache status', load: () => import('./cli/doctor') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(args);
  } catch (err) {
    // Expected failures print their message alone; bugs keep their stack.
    if (isDeskError(err)) console.error(`error [${err.code}]: ${err.message}`);
    else console.error(err);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
