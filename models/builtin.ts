import { join } from 'node:path';

/**
 * The model that ships with the app: a DeFormer-fine-tuned MiniLM-L6 QA checkpoint in Hugging Face
 * layout (config.json with a `deformer` block, model.safetensors, tokenizer files, MODEL_CARD.md).
 * It answers on a fresh machine with no download, cannot be removed, and is the default whenever
 * the person has not chosen another model. Where the folder is missing (a checkout without the
 * weights) the app behaves as before: no built-in model.
 */
export const builtinModelName = 'deformer-minilm-l6-squad';

/** `models/builtin/<name>/` beside this file; bundled shells pass the path they ship it at. */
export const builtinModelDir = join(import.meta.dirname, 'builtin', builtinModelName);
