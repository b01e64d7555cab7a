import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../model/engine';
import { loadTokenizer } from '../model/tokenizer';
import type { Tokenizer } from '../model/types';
import { LibraryStore } from '../store/store';
import type { CacheIdentity } from '../store/types';
import { tinyBertDir } from '../testing/paths';
import { documentWrite, windowsOf, type WindowSettings } from '../answer/document-write';

/**
 * Test scaffolding: the real tiny BERT QA engine (k = 2) and real LMDB stores in temp folders,
 * filled straight through the store (no indexer).
 */

/** Small windows so a few sentences make several overlapping passages. */
export const testWindows: WindowSettings = { windowTokens: 40, overlapTokens: 12 };

/** Documents with words the questions below share, long enough for several windows each. */
export const testDocuments: Record<string, string> = {
  '/lib/austen.txt':
    'Pride and Prejudice is a novel by Jane Austen, published in 1813. The story follows Elizabeth Bennet, ' +
    'the second of five daughters of a country gentleman. Elizabeth meets Mr Darcy at a ball in Meryton, ' +
    'where he refuses to dance with her. Later, Darcy proposes to Elizabeth at Hunsford, and she rejects him. ' +
    'The novel ends with two marriages at Longbourn. Austen wrote the first draft in 1796 and called it First Impressions.',
  '/lib/rivers.txt':
    'The Danube is the second-longest river in Europe, after the Volga. It flows through Vienna, Bratislava, ' +
    'Budapest and Belgrade before it reaches the Black Sea. The river is about 2,850 kilometres long. ' +
    'The Rhine rises in the Swiss Alps and flows north to the North Sea at Rotterdam.',
  '/lib/physics.txt':
    'Marie Curie won the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911. ' +
    'She discovered polonium and radium with Pierre Curie. Polonium was named after Poland, her native country.',
};

/** Opened once per test file. */
export interface TestKit {
  engine: Engine;
  tokenizer: Tokenizer;
  /** A fresh store in its own temp folder, for this engine (or another identity). */
  newStore(identity?: Partial<CacheIdentity>): LibraryStore;
  /** Cuts, encodes and writes `docs` (path → text); `withStates: false` writes passages only. */
  write(store: LibraryStore, docs: Record<string, string>, opts?: { withStates?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Opens the tiny engine with graphs cached in a temp folder. */
export async function openTestKit(k = 2): Promise<TestKit> {
  const root = mkdtempSync(join(tmpdir(), 'answer-test-'));
  const engine = await Engine.open(tinyBertDir, { k, cacheDir: join(root, 'graphs'), threads: 1 });
  const tokenizer = await loadTokenizer(tinyBertDir);
  const stores: LibraryStore[] = [];
  let n = 0;
  return {
    engine,
    tokenizer,
    newStore(identity = {}) {
      const store = LibraryStore.open(join(root, `store-${n++}`), {
        modelFingerprint: engine.fingerprint,
        k: engine.k,
        passageOffset: engine.passageOffset,
        precision: 'fp32',
        ...testWindows,
        ...identity,
      });
      stores.push(store);
      return store;
    },
    async write(store, docs, opts = {}) {
      for (const [path, text] of Object.entries(docs)) {
        const cut = windowsOf(text, tokenizer, testWindows);
        const states = opts.withStates === false ? [] : await engine.lowerPassages(cut.map((w) => ({ ids: w.ids, offsets: w.offsets })));
        await store.writeDocument(documentWrite(path, '/lib', text, cut, states));
      }
    },
    async close() {
      for (const s of stores) await s.close();
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
