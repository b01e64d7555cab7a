import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QaEngine, Tokenizer } from '../model/types';
import { LibraryStore } from '../store/store';
import type { CacheIdentity, DocumentWrite, Precision } from '../store/types';
import { defaultWindows, documentWrite, windowsOf, type WindowSettings } from './document-write';
import type { SquadDataset } from './squad-data';

/**
 * The open setting's library: every paragraph of a SQuAD file as one document of a LibraryStore,
 * with lower states, in `<cacheRoot>/squad-<fingerprint>-k<k>`. A finished library is reused by
 * the next run; an interrupted build resumes (paragraphs already written are skipped).
 */

/** What the library is built from and where. */
export interface SquadLibraryOptions {
  dataset: SquadDataset;
  engine: QaEngine;
  tokenizer: Tokenizer;
  /** Parent folder, e.g. `<repo>/.cache`. */
  cacheRoot: string;
  precision?: Precision;
  windows?: WindowSettings;
  log?: (line: string) => void;
}

/** Document path of a paragraph in the library (answers map back to paragraphs through it). */
export function paragraphPath(paragraphId: string): string {
  return `squad/${paragraphId}`;
}

/** The library's folder for this engine: one per (model, k). */
export function squadLibraryDir(cacheRoot: string, engine: QaEngine): string {
  return join(cacheRoot, `squad-${engine.fingerprint.slice(0, 16)}-k${engine.k}`);
}

const markerFile = 'squad-library.json';
/** Paragraphs per lower-pass call: enough windows for full batches, little memory. */
const paragraphsPerBatch = 32;

/** Opens the library, building (or finishing) it first when needed. */
export async function openSquadLibrary(options: SquadLibraryOptions): Promise<LibraryStore> {
  const { dataset, engine, tokenizer } = options;
  const windows = options.windows ?? defaultWindows;
  const dir = squadLibraryDir(options.cacheRoot, engine);
  const identity: CacheIdentity = {
    modelFingerprint: engine.fingerprint,
    k: engine.k,
    passageOffset: engine.passageOffset,
    precision: options.precision ?? 'fp16',
    lowerWeights: engine.lowerWeights ?? 'fp32',
    ...windows,
  };
  const store = LibraryStore.open(dir, identity, { onMismatch: 'reset' });
  const marker = JSON.stringify({ dataset: datasetHash(dataset), paragraphs: dataset.paragraphs.length });
  const markerPath = join(dir, markerFile);
  if (existsSync(markerPath) && readFileSync(markerPath, 'utf8') === marker && store.stats().passages > 0) return store;

  const log = options.log ?? (() => {});
  const todo = dataset.paragraphs.filter((p) => store.getDocument(paragraphPath(p.id))?.status !== 'done');
  log(`building the SQuAD paragraph library in ${dir}: ${todo.length} of ${dataset.paragraphs.length} paragraphs to encode`);
  const started = performance.now();
  for (let i = 0; i < todo.length; i += paragraphsPerBatch) {
    const batch = todo.slice(i, i + paragraphsPerBatch);
    const cuts = batch.map((p) => windowsOf(p.context, tokenizer, windows));
    const states = await engine.lowerPassages(cuts.flat().map((w) => ({ ids: w.ids, offsets: w.offsets })));
    let at = 0;
    const writes: DocumentWrite[] = batch.map((p, j) => {
      const own = states.slice(at, (at += cuts[j].length));
      return documentWrite(paragraphPath(p.id), 'squad', p.context, cuts[j], own);
    });
    for (const write of writes) await store.writeDocument(write);
    const done = i + batch.length;
    if (done % 256 < paragraphsPerBatch || done === todo.length) {
      log(`  ${done}/${todo.length} paragraphs (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  writeFileSync(markerPath, marker);
  return store;
}

/** Identifies the paragraph texts, so a different SQuAD file never reuses this library. */
function datasetHash(dataset: SquadDataset): string {
  const hash = createHash('sha256');
  for (const p of dataset.paragraphs) hash.update(p.id).update('\0').update(p.context).update('\0');
  return hash.digest('hex');
}
