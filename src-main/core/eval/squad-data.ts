import { readFileSync } from 'node:fs';
import { DeskError } from '../errors';

/** One gold answer: its text and char offset into the paragraph's context. */
export interface SquadAnswer {
  text: string;
  answerStart: number;
}

/** One question with its gold answers (1–3+ in the dev set). */
export interface SquadQuestion {
  id: string;
  question: string;
  answers: SquadAnswer[];
}

/** One paragraph: the unit of retrieval and of reading. `id` is `<article index>-<paragraph index>`. */
export interface SquadParagraph {
  id: string;
  title: string;
  context: string;
  questions: SquadQuestion[];
}

/** A SQuAD v1.1 file, flattened to paragraphs in file order. */
export interface SquadDataset {
  version: string;
  paragraphs: SquadParagraph[];
}

/** Reads a SQuAD v1.1 JSON file (e.g. dev-v1.1.json); throws BAD_REQUEST when the shape is not SQuAD's. */
export function loadSquad(path: string): SquadDataset {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DeskError('BAD_REQUEST', `${path}: not a readable JSON file (${(err as Error).message})`);
  }
  return parseSquad(json, path);
}

/** The parsed JSON of a SQuAD v1.1 file → SquadDataset; `source` names the file in errors. */
export function parseSquad(json: unknown, source = 'SQuAD data'): SquadDataset {
  const root = json as { version?: unknown; data?: unknown };
  if (!root || !Array.isArray(root.data)) {
    throw new DeskError('BAD_REQUEST', `${source}: expected {version, data: [...]} as in SQuAD v1.1`);
  }
  const paragraphs: SquadParagraph[] = [];
  root.data.forEach((article: RawArticle, a: number) => {
    if (!Array.isArray(article?.paragraphs)) {
      throw new DeskError('BAD_REQUEST', `${source}: article ${a} has no paragraphs array`);
    }
    article.paragraphs.forEach((p, i) => {
      if (typeof p?.context !== 'string' || !Array.isArray(p.qas)) {
        throw new DeskError('BAD_REQUEST', `${source}: article ${a} paragraph ${i} lacks context or qas`);
      }
      paragraphs.push({
        id: `${a}-${i}`,
        title: String(article.title ?? ''),
        context: p.context,
        questions: p.qas.map((q) => ({
          id: String(q.id),
          question: String(q.question),
          answers: (q.answers ?? []).map((ans) => ({ text: String(ans.text), answerStart: Number(ans.answer_start) })),
        })),
      });
    });
  });
  return { version: String(root.version ?? ''), paragraphs };
}

interface RawArticle {
  title?: string;
  paragraphs?: Array<{
    context?: string;
    qas?: Array<{ id: string; question: string; answers?: Array<{ text: string; answer_start: number }> }>;
  }>;
}

/**
 * The held-out articles of a training split (models/train/split.json: `{heldout: [titles], …}`):
 * the questions the recipe never trained on. Throws when a listed title is not in the file.
 */
export function heldOutPart(dataset: SquadDataset, splitFile: string): SquadDataset {
  let titles: unknown;
  try {
    titles = (JSON.parse(readFileSync(splitFile, 'utf8')) as { heldout?: unknown }).heldout;
  } catch (err) {
    throw new DeskError('BAD_REQUEST', `${splitFile}: not a readable JSON file (${(err as Error).message})`);
  }
  if (!Array.isArray(titles) || titles.length === 0) throw new DeskError('BAD_REQUEST', `${splitFile}: expected {"heldout": [article titles]}`);
  const wanted = new Set(titles.map(String));
  const paragraphs = dataset.paragraphs.filter((p) => wanted.has(p.title));
  const missing = [...wanted].filter((t) => !paragraphs.some((p) => p.title === t));
  if (missing.length) throw new DeskError('BAD_REQUEST', `${splitFile}: articles not in the data file: ${missing.join(', ')}`);
  return { ...dataset, paragraphs };
}
