import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskError } from '../../errors';
import { tinyBertDir } from '../../testing/paths';
import { loadCheckpoint } from '../checkpoint';
import { parseConfig } from '../config';
import { Engine } from '../engine';
import { sameBits } from '../golden-fixtures';
import { writeSafetensors } from '../safetensors';
import { bert } from './bert';
import type { ModelFamily } from './family';
import { familyOf, registerFamily } from './registry';

/**
 * The seam: a toy family, BERT's structure under names of its own ("toy.*", config fields
 * "depth"/"width"...), is one object registered here. The tiny BERT's weights, renamed to it,
 * load, build graphs and answer exactly as the BERT checkpoint does: nothing else in the engine
 * knew about the family.
 */
const toy: ModelFamily = {
  ...bert,
  arch: 'toy',
  modelTypes: ['toy'],
  classPrefix: 'Toy',
  fields: { layers: 'depth', hidden: 'width', heads: 'heads' },
  readConfig: (f) => ({
    layers: f.int('depth'),
    hidden: f.int('width'),
    heads: f.int('heads'),
    intermediate: f.int('ffn'),
    vocabSize: f.int('vocab'),
    maxPositions: f.int('positions'),
    typeVocabSize: f.int('types'),
    layerNormEps: 1e-12,
    activation: f.activation('act'),
  }),
  embeddingNames: () => ({ word: 'toy.words', position: 'toy.positions', tokenType: 'toy.types', norm: 'toy.emb_norm' }),
  layerNames: (i) => ({
    query: `toy.blocks.${i}.q`, key: `toy.blocks.${i}.k`, value: `toy.blocks.${i}.v`, attnOut: `toy.blocks.${i}.o`,
    attnNorm: `toy.blocks.${i}.norm1`, ffnIn: `toy.blocks.${i}.up`, ffnOut: `toy.blocks.${i}.down`, outNorm: `toy.blocks.${i}.norm2`,
  }),
  bareRoots: [],
  layerPrefix: 'toy.blocks.',
  isUnused: () => false,
};

let root: string;
let unregister: () => void;

beforeAll(async () => {
  unregister = registerFamily(toy);
  root = mkdtempSync(join(tmpdir(), 'toy-family-'));
  const source = await loadCheckpoint(tinyBertDir);
  const c = source.config;
  // BERT name → toy name, one family's names against the other's.
  const rename = new Map<string, string>();
  const pair = (a: string | null, b: string | null, suffixes = ['']) => a && b && suffixes.forEach((s) => rename.set(a + s, b + s));
  const [be, te] = [bert.embeddingNames(), toy.embeddingNames()];
  pair(be.word, te.word);
  pair(be.position, te.position);
  pair(be.tokenType, te.tokenType);
  pair(be.norm, te.norm, ['.weight', '.bias']);
  for (let i = 0; i < c.layers; i++) {
    const [bl, tl] = [bert.layerNames(i), toy.layerNames(i)];
    for (const key of Object.keys(bl) as Array<keyof typeof bl>) pair(bl[key], tl[key], ['.weight', '.bias']);
  }
  const tensors = [...source.weights].map(([name, t]) => ({ name: rename.get(name) ?? name, dtype: 'F32' as const, shape: t.shape, data: t.data }));
  writeSafetensors(join(root, 'model.safetensors'), tensors);
  const config = { model_type: 'toy', depth: c.layers, width: c.hidden, heads: c.heads, ffn: c.intermediate, vocab: c.vocabSize, positions: c.maxPositions, types: c.typeVocabSize, act: 'gelu' };
  writeFileSync(join(root, 'config.json'), JSON.stringify(config));
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json']) copyFileSync(join(tinyBertDir, file), join(root, file));
});

afterAll(() => {
  unregister();
  rmSync(root, { recursive: true, force: true });
});

describe('the model-family registry', () => {
  it('reads a registered family’s config and answers as the same weights under BERT’s names', async () => {
    const config = parseConfig(JSON.parse(readFileSync(join(root, 'config.json'), 'utf8')), 'config.json');
    expect(config.arch).toBe('toy');
    const options = { k: 1, cacheDir: join(root, 'graphs'), provider: 'cpu' as const, threads: 1 };
    const [asToy, asBert] = await Promise.all([Engine.open(root, options), Engine.open(tinyBertDir, options)]);
    try {
      const question = asBert.questionSegment('Who discovered polonium?');
      const passage = { ids: Int32Array.from([2040, 3603, 1996, 15369, 102]), offsets: [] };
      const [toyLogits] = await asToy.fullPass(question, [passage]);
      const [bertLogits] = await asBert.fullPass(question, [passage]);
      expect(sameBits(toyLogits.start, bertLogits.start) && sameBits(toyLogits.end, bertLogits.end)).toBe(true);
      const [toyStates] = await asToy.lowerPassages([passage]);
      const [bertStates] = await asBert.lowerPassages([passage]);
      expect(sameBits(toyStates.data, bertStates.data)).toBe(true);
    } finally {
      await Promise.all([asToy.close(), asBert.close()]);
    }
  });

  it('names its own fields in errors and refuses a family nobody registered', () => {
    expect(() => parseConfig({ model_type: 'toy', depth: 2, width: 30, heads: 4, ffn: 8, vocab: 9, positions: 8, types: 2 }, 'c.json')).toThrow(/field "heads" \(4\) does not divide width \(30\)/);
    const err = (() => {
      try {
        parseConfig({ model_type: 'roberta' }, 'c.json');
      } catch (e) {
        return e;
      }
    })();
    expect(isDeskError(err, 'CHECKPOINT_UNKNOWN_ARCHITECTURE')).toBe(true);
    expect((err as Error).message).toMatch(/ToyForQuestionAnswering/);
    expect(() => familyOf('roberta')).toThrow(/No model family "roberta"/);
    expect(() => registerFamily(toy)).toThrow(/already registered/);
  });
});
