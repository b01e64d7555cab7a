/**
 * CLI: `npm run make-checkpoint -- --arch bert|distilbert --layers 12 --hidden 768 --heads 12
 * --ffn 3072 --seed 1 --out DIR [--dtype F32|F16]`, or `--preset bert-base|distilbert-base`
 * (explicit flags override the preset's).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from '../src-main/cli/args';
import { makeRandomCheckpoint, randomCheckpointPresets, type RandomCheckpointOptions } from './random-checkpoint';

const usage =
  'usage: npm run make-checkpoint -- [--preset bert-base|distilbert-base] --arch bert|distilbert ' +
  '--layers N --hidden H --heads A --ffn F --seed S --out DIR [--dtype F32|F16] [--deformer-k K]\n' +
  '  --deformer-k K  write a `deformer` block (k = K, trainedK [K]) into config.json, as a DeFormer-trained checkpoint has';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(1);
}

const parsed = parseCommand(usage, {
  args: process.argv.slice(2),
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    preset: { type: 'string' },
    arch: { type: 'string' },
    layers: { type: 'string' },
    hidden: { type: 'string' },
    heads: { type: 'string' },
    ffn: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    dtype: { type: 'string', default: 'F32' },
    'deformer-k': { type: 'string' },
  },
});
if (typeof parsed === 'number') process.exit(parsed);
const { values } = parsed;

const preset = values.preset === undefined ? undefined : randomCheckpointPresets[values.preset as keyof typeof randomCheckpointPresets];
if (values.preset !== undefined && !preset) fail(`unknown --preset ${values.preset}`);

const int = (flag: 'layers' | 'hidden' | 'heads' | 'ffn' | 'seed'): number => {
  const raw = values[flag] ?? (flag === 'seed' ? undefined : preset?.[flag]?.toString());
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || (flag !== 'seed' && n <= 0)) fail(`--${flag} needs an integer`);
  return n;
};

const arch = values.arch ?? preset?.arch;
if (arch !== 'bert' && arch !== 'distilbert') fail('--arch must be bert or distilbert');
if (values.dtype !== 'F32' && values.dtype !== 'F16') fail('--dtype must be F32 or F16');
if (!values.out) fail('--out is required');

const opts: RandomCheckpointOptions = {
  arch,
  layers: int('layers'),
  hidden: int('hidden'),
  heads: int('heads'),
  ffn: int('ffn'),
  seed: int('seed'),
  out: values.out,
  dtype: values.dtype,
  ...(values['deformer-k'] !== undefined ? { deformer: { k: Number(values['deformer-k']), trainedK: [Number(values['deformer-k'])] } } : {}),
};
if (opts.deformer && (!Number.isInteger(opts.deformer.k) || opts.deformer.k < 0 || opts.deformer.k > opts.layers)) fail('--deformer-k needs an integer from 0 to --layers');
if (opts.hidden % opts.heads !== 0) fail(`--heads (${opts.heads}) must divide --hidden (${opts.hidden})`);

const started = performance.now();
const dir = await makeRandomCheckpoint(opts);
const bytes = statSync(join(dir, 'model.safetensors')).size;
console.log(
  `${opts.arch} ${opts.layers}×${opts.hidden} (heads ${opts.heads}, ffn ${opts.ffn}, seed ${opts.seed}, ${opts.dtype}) → ${dir}: ` +
    `${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
