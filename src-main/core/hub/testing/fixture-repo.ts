import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyBertDir } from '../../testing/paths';
import type { FakeRepo } from './fake-hub';

/** The files of the tiny BERT QA golden checkpoint a pull fetches. */
export const fixtureFiles = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];

export const fixtureBytes = (file: string) => readFileSync(join(tinyBertDir, file));

const commitId = (label: string) => createHash('sha1').update(label).digest('hex');

/** main: the full checkpoint; `old`: only pytorch_model.bin; `refs/pr/3`: no tokenizer.json (vocab.txt only). */
export const commits = { main: commitId('main'), old: commitId('old'), pr3: commitId('refs/pr/3') };

export const fixtureRepoId = 'desk-test/tiny-bert-qa';

export function fixtureRepo(): FakeRepo {
  const full = Object.fromEntries(fixtureFiles.map((f) => [f, fixtureBytes(f)]));
  full['README.md'] = Buffer.from('# tiny bert qa\n');
  const { 'tokenizer.json': _unused, ...withoutTokenizer } = full;
  return {
    repo: fixtureRepoId,
    commits: {
      [commits.main]: full,
      [commits.old]: { 'config.json': full['config.json'], 'pytorch_model.bin': Buffer.from('not a real model'), 'vocab.txt': full['vocab.txt'] },
      [commits.pr3]: withoutTokenizer,
    },
    refs: { main: commits.main, old: commits.old, 'refs/pr/3': commits.pr3 },
    lfs: new Set(['model.safetensors', 'pytorch_model.bin']),
  };
}
