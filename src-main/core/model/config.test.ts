import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { tinyBertDir, tinyDistilBertDir } from '../testing/paths';
import { defaultK, isTrainedK, parseConfig, readConfig, recommendedK } from './config';

const bertJson = JSON.parse(readFileSync(join(tinyBertDir, 'config.json'), 'utf-8'));
const distilJson = JSON.parse(readFileSync(join(tinyDistilBertDir, 'config.json'), 'utf-8'));
const file = '/models/x/config.json';

/** parseConfig on an edited copy; returns the DeskError it throws. */
function refusal(json: unknown): { code: string; message: string; field?: unknown } {
  try {
    parseConfig(json, file);
  } catch (err) {
    if (!isDeskError(err)) throw err;
    return { code: err.code, message: err.message, field: err.details?.field };
  }
  throw new Error('expected parseConfig to refuse');
}

describe('parseConfig', () => {
  it('reads the golden BERT config', () => {
    expect(parseConfig(bertJson, file)).toEqual({
      arch: 'bert', layers: 4, hidden: 32, heads: 4, intermediate: 64, vocabSize: 30522,
      maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, activation: 'gelu',
    });
  });

  it('reads the golden DistilBERT config under its own field names, eps 1e-12 hard-coded', () => {
    expect(parseConfig(distilJson, file)).toEqual({
      arch: 'distilbert', layers: 4, hidden: 32, heads: 4, intermediate: 64, vocabSize: 30522,
      maxPositions: 512, typeVocabSize: 0, layerNormEps: 1e-12, activation: 'gelu',
    });
  });

  it('loads BERT-layout checkpoints by model_type (MiniLM) and by class name when model_type is absent', () => {
    const miniLm = { ...bertJson, architectures: ['BertForQuestionAnswering'], hidden_size: 384, num_attention_heads: 12 };
    expect(parseConfig(miniLm, file)).toMatchObject({ arch: 'bert', hidden: 384, heads: 12 });
    const { model_type: _drop, ...noType } = distilJson;
    expect(parseConfig(noType, file).arch).toBe('distilbert');
  });

  it("applies HF's defaults for optional fields and maps activation aliases", () => {
    const { layer_norm_eps: _e, type_vocab_size: _t, hidden_act: _a, ...bare } = bertJson;
    expect(parseConfig(bare, file)).toMatchObject({ layerNormEps: 1e-12, typeVocabSize: 2, activation: 'gelu' });
    expect(parseConfig({ ...bertJson, hidden_act: 'gelu_pytorch_tanh', layer_norm_eps: 1e-5 }, file)).toMatchObject({
      activation: 'gelu_new',
      layerNormEps: 1e-5,
    });
  });

  it('reads a folder\'s config.json alone, and recommends k = 3n/4 rounded down', () => {
    expect(readConfig(tinyDistilBertDir)).toEqual(parseConfig(distilJson, join(tinyDistilBertDir, 'config.json')));
    expect(() => readConfig(join(tinyDistilBertDir, 'nowhere'))).toThrow(/cannot read .*config\.json/);
    expect([12, 6, 4, 1].map(recommendedK)).toEqual([2, 1, 1, 1]);
  });

  it('accepts sinusoidal DistilBERT positions (the table is saved like a learned one)', () => {
    expect(parseConfig({ ...distilJson, sinusoidal_pos_embds: true }, file)).toEqual(parseConfig(distilJson, file));
  });

  it('refuses unknown architectures naming the file and the field', () => {
    const r = refusal({ ...bertJson, model_type: 'roberta', architectures: ['RobertaForQuestionAnswering'] });
    expect(r.code).toBe('CHECKPOINT_UNKNOWN_ARCHITECTURE');
    expect(r.message).toContain(file);
    expect(r.message).toContain('model_type "roberta"');
    expect(r.field).toBe('model_type');
    const none = refusal({ hidden_size: 32 });
    expect(none.code).toBe('CHECKPOINT_UNKNOWN_ARCHITECTURE');
    expect(none.message).toMatch(/no model_type or architectures/);
  });

  it.each([
    ['a missing size', { ...bertJson, hidden_size: undefined }, 'hidden_size', /is missing/],
    ['a non-integer size', { ...distilJson, n_layers: 2.5 }, 'n_layers', /positive integer, got 2.5/],
    ['a string size', { ...bertJson, intermediate_size: '64' }, 'intermediate_size', /positive integer/],
    ['heads that do not divide the width', { ...bertJson, num_attention_heads: 5 }, 'num_attention_heads', /does not divide hidden_size/],
    ['an unknown activation', { ...bertJson, hidden_act: 'swish' }, 'hidden_act', /"swish"/],
    ['relative position embeddings', { ...bertJson, position_embedding_type: 'relative_key' }, 'position_embedding_type', /absolute/],
    ['a negative eps', { ...bertJson, layer_norm_eps: -1 }, 'layer_norm_eps', /positive number/],
  ])('refuses %s with CHECKPOINT_BAD_CONFIG naming the field', (_what, json, field, pattern) => {
    const r = refusal(json);
    expect(r.code).toBe('CHECKPOINT_BAD_CONFIG');
    expect(r.field).toBe(field);
    expect(r.message).toContain(file);
    expect(r.message).toContain(`"${field}"`);
    expect(r.message).toMatch(pattern);
  });

  it('refuses a config that is not an object', () => {
    expect(refusal([1, 2]).code).toBe('CHECKPOINT_BAD_CONFIG');
  });
});

describe('the deformer block (a DeFormer-trained checkpoint)', () => {
  it('gives the default k and P; a stock checkpoint falls back to recommendedK', () => {
    const trained = parseConfig({ ...bertJson, deformer: { k: 3, passageOffset: 0, trainedK: [3], losses: { kd: 1 } } }, file);
    expect(trained.deformer).toEqual({ k: 3, passageOffset: 0, trainedK: [3] });
    expect(defaultK(trained)).toBe(3);
    expect(isTrainedK(trained, 3)).toBe(true);
    expect(isTrainedK(trained, 2)).toBe(false);
    const stock = parseConfig(bertJson, file);
    expect(stock.deformer).toBeUndefined();
    expect(defaultK(stock)).toBe(recommendedK(4));
    expect(isTrainedK(stock, recommendedK(4))).toBe(false);
  });

  it('refuses a k outside the layers or a bad P, naming the field', () => {
    for (const deformer of [{ k: 5 }, { k: -1 }, { k: 1.5 }, { k: 2, passageOffset: -3 }, { k: 2, trainedK: [9] }, 'k=2']) {
      const r = refusal({ ...bertJson, deformer });
      expect(r.code).toBe('CHECKPOINT_BAD_CONFIG');
      expect(r.field).toBe('deformer');
    }
  });
});
