/**
 * The engine's tokenizer: ids exactly as @huggingface/tokenizers computes them from
 * tokenizer.json, plus the char span of every token in the original text (the library has
 * none; see tokenizer-encode.ts and tokenizer-normalize.ts for how we track them).
 */
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { DeskError } from '../errors';
import { OffsetEncoder } from './tokenizer-encode';
import { readTokenizerFiles, tokenName, type TokenizerFiles } from './tokenizer-files';
import { buildPipeline } from './tokenizer-pipeline';
import type { Segment, Tokenizer } from './types';

const SPECIAL: [number, number] = [-1, -1];

/** A WordPiece tokenizer with char offsets; build it with `loadTokenizer`. */
export class BertWordPieceTokenizer implements Tokenizer {
  constructor(
    private readonly encoder: OffsetEncoder,
    readonly clsId: number,
    readonly sepId: number,
    readonly padId: number,
    readonly unkId: number,
    /** The library's tokenizer this one agrees with (tests compare against it). */
    readonly library: HfTokenizer,
  ) {}

  tokenize(text: string): { ids: Int32Array; offsets: Array<[number, number]> } {
    return this.encoder.encode(text);
  }

  questionSegment(question: string, maxTokens = 64): Segment {
    if (!Number.isInteger(maxTokens) || maxTokens < 2) {
      throw new RangeError(`maxTokens must be an integer ≥ 2 (room for [CLS] and [SEP]), got ${maxTokens}`);
    }
    const { ids, offsets } = this.tokenize(question);
    const kept = Math.min(ids.length, maxTokens - 2);
    const segmentIds = new Int32Array(kept + 2); // [tokens]
    segmentIds[0] = this.clsId;
    segmentIds.set(ids.subarray(0, kept), 1);
    segmentIds[kept + 1] = this.sepId;
    return { ids: segmentIds, offsets: [copy(SPECIAL), ...offsets.slice(0, kept), copy(SPECIAL)] };
  }

  passageSegment(ids: ArrayLike<number>, offsets: Array<[number, number]>): Segment {
    if (ids.length !== offsets.length) {
      throw new RangeError(`passageSegment: ${ids.length} ids but ${offsets.length} offsets`);
    }
    const segmentIds = new Int32Array(ids.length + 1); // [tokens]
    segmentIds.set(ids);
    segmentIds[ids.length] = this.sepId;
    return { ids: segmentIds, offsets: [...offsets.map(copy), copy(SPECIAL)] };
  }
}

/** Loads `dir`/tokenizer.json (or vocab.txt) with tokenizer_config.json; DeskError when unusable. */
export async function loadTokenizer(dir: string): Promise<BertWordPieceTokenizer> {
  const files = await readTokenizerFiles(dir);
  const { lib, pipeline } = buildPipeline(files);
  // The post-processor's template is what the library itself adds; tokenizer_config.json next.
  const special = (key: string, name: string | undefined, fallback: string): number => {
    const token = name ?? tokenName(files.config[key]) ?? fallback;
    const id = lib.token_to_id(token);
    if (id === undefined) {
      throw new DeskError('TOKENIZER_INVALID', `${files.source}: special token ${token} (${key}) is not in the vocabulary.`);
    }
    return id;
  };
  const padding = files.json.padding as { pad_token?: unknown } | null | undefined;
  return new BertWordPieceTokenizer(
    new OffsetEncoder(pipeline),
    special('cls_token', specialFromTemplate(files, 0), '[CLS]'),
    special('sep_token', specialFromTemplate(files, -1), '[SEP]'),
    special('pad_token', tokenName(padding?.pad_token), '[PAD]'),
    pipeline.unkId,
    lib,
  );
}

/** The special token at `index` of the single-sequence template (BERT: [CLS] $A [SEP]). */
function specialFromTemplate(files: TokenizerFiles, index: number): string | undefined {
  const post = files.json.post_processor as { type?: string; single?: unknown[]; cls?: unknown[]; sep?: unknown[] } | null;
  if (post?.type === 'BertProcessing') {
    const pair = index === 0 ? post.cls : post.sep;
    return typeof pair?.[0] === 'string' ? pair[0] : undefined;
  }
  const item = post?.type === 'TemplateProcessing' ? post.single?.at(index) : undefined;
  const id = (item as { SpecialToken?: { id?: unknown } } | undefined)?.SpecialToken?.id;
  return typeof id === 'string' ? id : undefined;
}

function copy(span: [number, number]): [number, number] {
  return [span[0], span[1]];
}
