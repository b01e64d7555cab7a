import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { DeskError } from '../errors';
import type { LowerStates } from '../model/types';
import { defaultBm25, passageTerms, type Bm25Params, type PassageTerms } from '../answer/bm25';
import { identityDifferences, passageId, passagePrefix, schemaVersion } from './cache-key';
import { bytesPerToken, decodeStates, encodeStates, readStatesHeader, statesHeaderBytes } from './quantize';
import { TermIndex } from './term-index';
import type {
  CacheIdentity,
  DocumentRecord,
  DocumentWrite,
  LibraryStoreApi,
  PassageChunk,
  PassageRecord,
  StoreStats,
  TermHit,
} from './types';

/**
 * The library's cache (ARCHITECTURE.md#store-layout): one LMDB environment, file `library.mdb` in the store folder, with
 *   docs      path → DocumentRecord
 *   passages  passage id → PassageRecord
 *   states    passage id → lower states (binary, quantize.ts)
 *   terms, df the BM25 index (term-index.ts)
 *   meta      'identity' → CacheIdentity, 'schema' → version, 'folders' → string[],
 *             'counts' → running totals for stats(), 'termIndex' → BM25 corpus totals,
 *             'unfinished' → id prefixes of multi-transaction writes in progress,
 *             'retired' → id prefixes of replaced documents whose passages are being removed
 * Every change to a document record and what derives from it is one LMDB transaction, except a
 * document too big for one (beginDocument): its passages are written under a new generation in
 * chunks, then the record flips to them in one transaction; the old generation's passages are
 * removed in chunks afterwards. Passages under 'unfinished' or 'retired' prefixes belong to no
 * document: search skips them, and dropUnfinished removes them.
 */

/** Passages removed per transaction when a generation is dropped: bounds the transaction's dirty pages. */
const dropChunk = 128;

/**
 * One LMDB environment per file in this process, shared by every LibraryStore on it (the CLI's and
 * the app's reader open the file the in-process indexer writes). A second lmdb-js open() of a file
 * while its write thread holds the write lock, waiting for this thread to run a transaction's
 * callback, deadlocks both (seen in the crash test's run after a kill; `store-shared-env.test.ts`).
 */
const openEnvs = new Map<string, { env: RootDatabase; users: number }>();

function acquireEnv(file: string): RootDatabase {
  const held = openEnvs.get(file);
  if (held) {
    held.users++;
    return held.env;
  }
  const env = open({ path: file, maxDbs: 12, remapChunks: true });
  openEnvs.set(file, { env, users: 1 });
  return env;
}

async function releaseEnv(env: RootDatabase): Promise<void> {
  for (const [file, held] of openEnvs) {
    if (held.env !== env) continue;
    if (--held.users > 0) return;
    openEnvs.delete(file);
    break;
  }
  await env.close();
}

/** Options for `LibraryStore.open`. */
export interface StoreOpenOptions {
  /**
   * When the stored cache was built for another identity (model, k, P, precision, W, O) or schema:
   * 'error' (default) throws STORE_INCOMPATIBLE; 'reset' drops every passage, state and posting and
   * marks every document 'queued' for re-encoding, keeping the folders.
   */
  onMismatch?: 'error' | 'reset';
  /** BM25 settings for `search` (default: answer/bm25.ts defaultBm25). */
  bm25?: Bm25Params;
}

/** Running totals kept in step with the data, so stats() reads one record. */
interface Counts {
  passages: number;
  storedTokens: number;
  /** documentTokens of documents in status 'done'. */
  documentTokens: number;
  stateBytes: number;
}

const zeroCounts: Counts = { passages: 0, storedTokens: 0, documentTokens: 0, stateBytes: 0 };

/** The library's LMDB cache: documents, passages, lower states and the BM25 term index (ARCHITECTURE.md#store-layout). */
export class LibraryStore implements LibraryStoreApi {
  private readonly termIndex: TermIndex;
  /** The encode buffer for state records, reused across puts (see writeDocuments). */
  private scratch: Uint8Array = new Uint8Array(0);
  /** Width of the stored states (one model per store), once a removal has read a header: removeStatesInTxn. */
  private statesHidden: number | undefined;

  private constructor(
    private readonly env: RootDatabase,
    private readonly docs: Database<DocumentRecord, string>,
    private readonly passages: Database<PassageRecord, string>,
    private readonly states: Database<Uint8Array, string>,
    private readonly meta: Database<unknown, string>,
    terms: Database<[number, number], [string, string]>,
    df: Database<number, string>,
    readonly identity: CacheIdentity,
    private readonly bm25: Bm25Params,
  ) {
    this.termIndex = new TermIndex(terms, df, meta);
  }

  /**
   * Opens (or creates) the store in folder `dir` for `identity`; see StoreOpenOptions for a mismatch.
   *
   * remapChunks: LMDB maps the file in 64 KB chunks as it reads them and unmaps unused ones once
   * ~8,000 are mapped, instead of one map of the whole file. With one map, every page a write
   * reads (term-index B-tree pages, and by the kernel's fault-around the state pages beside them)
   * stays in the process's resident set (indexing a 5 MB text line left 529 MB of its 570 MB cache
   * resident; a 50 MB line, 2.4 GB). With chunks the mapped share stays under ~0.5 GB whatever the cache's size (README "One huge
   * document"). The pages are clean (the map is read-only; writes go through pwrite) either way.
   */
  static open(dir: string, identity: CacheIdentity, opts: StoreOpenOptions = {}): LibraryStore {
    mkdirSync(dir, { recursive: true });
    const file = resolve(dir, 'library.mdb');
    checkLmdbFile(file);
    const env = acquireEnv(file);
    const store = new LibraryStore(
      env,
      env.openDB<DocumentRecord, string>({ name: 'docs' }),
      env.openDB<PassageRecord, string>({ name: 'passages' }),
      env.openDB<Uint8Array, string>({ name: 'states', encoding: 'binary' }),
      env.openDB<unknown, string>({ name: 'meta' }),
      env.openDB<[number, number], [string, string]>({ name: 'terms' }),
      env.openDB<number, string>({ name: 'df' }),
      { ...identity },
      opts.bm25 ?? defaultBm25,
    );
    try {
      store.checkIdentity(dir, opts.onMismatch ?? 'error');
    } catch (err) {
      void releaseEnv(env);
      throw err;
    }
    return store;
  }

  /** The identity the library in `dir` was indexed with, or undefined when there is no library there. */
  static storedIdentity(dir: string): CacheIdentity | undefined {
    const file = resolve(dir, 'library.mdb');
    if (!existsSync(file)) return undefined;
    checkLmdbFile(file);
    // A store of this process holds the file: read through its environment (a second open can deadlock).
    const held = openEnvs.get(file)?.env;
    const env = held ?? open({ path: file, maxDbs: 12, readOnly: true });
    try {
      return env.openDB<CacheIdentity, string>({ name: 'meta' }).get('identity');
    } finally {
      if (!held) void env.close();
    }
  }

  /** A fresh store takes the identity; a different one is an error or a reset; a stale term index is rebuilt. */
  private checkIdentity(dir: string, onMismatch: 'error' | 'reset'): void {
    const stored = this.meta.get('identity') as CacheIdentity | undefined;
    const storedSchema = this.meta.get('schema') as number | undefined;
    if (!stored) {
      this.env.transactionSync(() => {
        this.meta.putSync('identity', this.identity);
        this.meta.putSync('schema', schemaVersion);
        this.termIndex.clear();
      });
      return;
    }
    const differences = identityDifferences(stored, this.identity);
    if (storedSchema !== schemaVersion) differences.push(`schema version ${storedSchema} → ${schemaVersion}`);
    if (differences.length > 0) {
      if (onMismatch === 'error') {
        throw new DeskError(
          'STORE_INCOMPATIBLE',
          `The cache in ${dir} was built with other settings (${differences.join(', ')}). ` +
            'Re-index the library to rebuild it, or open it with the settings it was built with.',
          { differences },
        );
      }
      this.resetCaches();
    } else if (this.termIndex.isStale()) {
      this.rebuildTermIndex();
    }
  }

  /** Drops everything derived from the model and queues every document for re-encoding, in one transaction. */
  private resetCaches(): void {
    this.env.transactionSync(() => {
      this.passages.clearSync();
      this.states.clearSync();
      this.termIndex.clear();
      for (const { key, value } of this.docs.getRange()) {
        const { reason: _reason, code: _code, indexedAt: _indexedAt, ...kept } = value;
        this.docs.putSync(key, { ...kept, status: 'queued', passageIds: [] });
      }
      this.meta.putSync('counts', zeroCounts);
      this.meta.removeSync('unfinished');
      this.meta.removeSync('retired');
      this.meta.putSync('identity', this.identity);
      this.meta.putSync('schema', schemaVersion);
    });
  }

  /** The analyzer changed: postings come from the stored passage texts; states stay valid. */
  private rebuildTermIndex(): void {
    this.env.transactionSync(() => {
      this.termIndex.clear();
      for (const { key, value } of this.passages.getRange()) this.termIndex.add(key, passageTerms(value.text));
    });
  }

  listFolders(): string[] {
    return (this.meta.get('folders') as string[] | undefined) ?? [];
  }

  async addFolder(folder: string): Promise<void> {
    await this.env.childTransaction(() => {
      const folders = this.listFolders();
      if (!folders.includes(folder)) this.meta.putSync('folders', [...folders, folder]);
    });
  }

  async removeFolder(folder: string): Promise<void> {
    await this.env.childTransaction(() => {
      for (const { key, value } of this.docs.getRange()) if (value.folder === folder) this.removeInTxn(key);
      this.meta.putSync('folders', this.listFolders().filter((f) => f !== folder));
    });
    await this.dropPrefixes('retired');
  }

  getDocument(path: string): DocumentRecord | undefined {
    return this.docs.get(path);
  }

  listDocuments(folder?: string): DocumentRecord[] {
    const out: DocumentRecord[] = [];
    for (const { value } of this.docs.getRange()) if (folder === undefined || value.folder === folder) out.push(value);
    return out;
  }

  async putDocumentStatus(doc: DocumentRecord): Promise<void> {
    await this.env.childTransaction(() => {
      this.removeInTxn(doc.path);
      this.putDocInTxn({ ...doc, passageIds: [], generation: undefined });
    });
    await this.dropPrefixes('retired');
  }

  async writeDocument(write: DocumentWrite): Promise<void> {
    await this.writeDocuments([write]);
  }

  /** Several whole documents in one transaction: one commit (and sync) instead of one each. */
  async writeDocuments(writes: DocumentWrite[]): Promise<void> {
    for (const write of writes) checkWrite(write);
    // Terms are analysed before the transaction; states are encoded inside it, one at a time into
    // one reused buffer (putSync copies it into LMDB's pages before the next is encoded).
    const prepared = writes.map((write) => ({ write, postings: write.passages.map((p) => [p.id, passageTerms(p.text)] as const) }));
    await this.env.childTransaction(() => {
      for (const { write, postings } of prepared) this.putWriteInTxn(write, postings);
    });
    await this.dropPrefixes('retired');
  }

  async beginDocument(path: string, generation: string): Promise<void> {
    const prefix = passagePrefix(path, generation);
    if (this.docs.get(path)?.generation === generation) throw new Error(`${path}: generation ${generation} is the stored one`);
    await this.env.childTransaction(() => this.addPrefixInTxn('unfinished', prefix));
  }

  async writePassages(chunk: PassageChunk): Promise<void> {
    const { docPath, generation, passages, states } = chunk;
    checkPassages(docPath, passages, states, generation);
    const prefix = passagePrefix(docPath, generation);
    if (!this.prefixes('unfinished').includes(prefix)) throw new Error(`${docPath}: writePassages before beginDocument`);
    const postings = passages.map((p) => [p.id, passageTerms(p.text)] as const);
    await this.env.childTransaction(() => this.putPassagesInTxn(passages, states, postings));
  }

  async finishDocument(doc: DocumentRecord): Promise<void> {
    if (!doc.generation) throw new Error(`${doc.path}: finishDocument needs the generation its passages were written under`);
    const prefix = passagePrefix(doc.path, doc.generation);
    for (const id of doc.passageIds) if (!id.startsWith(prefix)) throw new Error(`passage ${id} is not of ${doc.path} generation ${doc.generation}`);
    await this.env.childTransaction(() => {
      this.removeInTxn(doc.path);
      this.putDocInTxn(doc);
      this.removePrefixInTxn('unfinished', prefix);
    });
    await this.dropPrefixes('retired');
  }

  async abandonDocument(path: string, generation: string): Promise<void> {
    const prefix = passagePrefix(path, generation);
    await this.env.childTransaction(() => {
      if (this.docs.get(path)?.generation === generation) return; // flipped already: it is the document now
      this.removePrefixInTxn('unfinished', prefix);
      this.addPrefixInTxn('retired', prefix);
    });
    await this.dropPrefixes('retired');
  }

  async dropUnfinished(): Promise<number> {
    return (await this.dropPrefixes('unfinished')) + (await this.dropPrefixes('retired'));
  }

  async touchDocument(path: string, file: { size: number; mtimeMs: number }): Promise<void> {
    await this.env.childTransaction(() => {
      const doc = this.docs.get(path);
      if (doc) this.docs.putSync(path, { ...doc, size: file.size, mtimeMs: file.mtimeMs });
    });
  }

  async removeDocument(path: string): Promise<void> {
    await this.env.childTransaction(() => this.removeInTxn(path));
    await this.dropPrefixes('retired');
  }

  getPassage(id: string): PassageRecord | undefined {
    return this.passages.get(id);
  }

  readStates(id: string): LowerStates {
    // getBinaryFast lends LMDB's own buffer: decodeStates copies out of it before any other read.
    const bytes = this.states.getBinaryFast(id);
    if (!bytes) {
      const why = this.passages.doesExist(id) ? 'was indexed without lower states (no model)' : 'is not in the library';
      throw new DeskError('NOT_FOUND', `Passage ${id} ${why}.`, { id });
    }
    const { data, tokens, hidden, precision } = decodeStates(bytes, id);
    if (precision !== this.identity.precision) {
      throw new DeskError('STORE_CORRUPT', `Passage ${id} is cached in ${precision}, the library in ${this.identity.precision}; re-index.`, { id });
    }
    return { data, tokens, hidden };
  }

  /** readStates for several passages, in order (the upper pass reads its N passages at once). */
  readStatesMany(ids: string[]): LowerStates[] {
    return ids.map((id) => this.readStates(id));
  }

  search(query: string, limit: number): TermHit[] {
    const hidden = [...this.prefixes('unfinished'), ...this.prefixes('retired')];
    const isVisible = hidden.length === 0 ? undefined : (id: string) => !hidden.some((prefix) => id.startsWith(prefix));
    return this.termIndex.search(query, limit, this.bm25, isVisible);
  }

  stats(): StoreStats {
    const c = this.counts();
    return {
      documents: this.docs.getCount(),
      passages: c.passages,
      storedTokens: c.storedTokens,
      documentTokens: c.documentTokens,
      stateBytes: c.stateBytes,
    };
  }

  /** Stored bytes per token of lower states at this store's precision and width `hidden`. */
  bytesPerToken(hidden: number): number {
    return bytesPerToken(this.identity.precision, hidden);
  }

  async close(): Promise<void> {
    await releaseEnv(this.env);
  }

  private counts(): Counts {
    return { ...((this.meta.get('counts') as Counts | undefined) ?? zeroCounts) };
  }

  /** Replaces one document with its passages, states and postings. Inside a write transaction. */
  private putWriteInTxn(write: DocumentWrite, postings: ReadonlyArray<readonly [string, PassageTerms]>): void {
    const { doc, passages } = write;
    this.removeInTxn(doc.path);
    this.putDocInTxn({ ...doc, passageIds: passages.map((p) => p.id), generation: undefined });
    this.putPassagesInTxn(passages, write.states, postings);
  }

  /** Passages with their states and postings, counted. Inside a write transaction. */
  private putPassagesInTxn(
    passages: PassageRecord[],
    states: DocumentWrite['states'],
    postings: ReadonlyArray<readonly [string, PassageTerms]>,
  ): void {
    const counts = this.counts();
    this.termIndex.addMany(postings);
    passages.forEach((p, i) => {
      this.passages.putSync(p.id, p);
      counts.passages++;
      const lowered = states[i];
      if (!lowered) return;
      const bytes = encodeStates(lowered, this.identity.precision, this.scratch);
      if (bytes.buffer !== this.scratch.buffer) this.scratch = bytes; // grown: keep the bigger one
      this.states.putSync(p.id, bytes);
      counts.storedTokens += lowered.tokens;
      counts.stateBytes += bytes.length - statesHeaderBytes;
    });
    this.meta.putSync('counts', counts);
  }

  private prefixes(list: 'unfinished' | 'retired'): string[] {
    return (this.meta.get(list) as string[] | undefined) ?? [];
  }

  private addPrefixInTxn(list: 'unfinished' | 'retired', prefix: string): void {
    const now = this.prefixes(list);
    if (!now.includes(prefix)) this.meta.putSync(list, [...now, prefix]);
  }

  private removePrefixInTxn(list: 'unfinished' | 'retired', prefix: string): void {
    const now = this.prefixes(list);
    if (now.includes(prefix)) this.meta.putSync(list, now.filter((p) => p !== prefix));
  }

  /**
   * Removes every passage (with its states and postings) under the list's prefixes, `dropChunk`
   * per transaction, then the prefix from the list. Returns the passages removed.
   */
  private async dropPrefixes(list: 'unfinished' | 'retired'): Promise<number> {
    let removed = 0;
    for (const prefix of this.prefixes(list)) {
      for (;;) {
        const ids: string[] = [];
        for (const key of this.passages.getKeys({ start: prefix })) {
          if (!key.startsWith(prefix) || ids.length === dropChunk) break;
          ids.push(key);
        }
        await this.env.childTransaction(() => {
          this.removePassagesInTxn(ids);
          if (ids.length < dropChunk) this.removePrefixInTxn(list, prefix);
        });
        removed += ids.length;
        if (ids.length < dropChunk) break;
      }
    }
    return removed;
  }

  /** Puts a document record and counts its tokens when it is done. Inside a write transaction. */
  private putDocInTxn(doc: DocumentRecord): void {
    this.docs.putSync(doc.path, doc);
    if (doc.status === 'done' && doc.documentTokens) {
      const counts = this.counts();
      counts.documentTokens += doc.documentTokens;
      this.meta.putSync('counts', counts);
    }
  }

  /**
   * Removes a document and its passages, states and postings. A document written in generations
   * may be too big for one transaction: its prefix is retired instead, and dropPrefixes removes
   * its passages after the commit. Inside a write transaction.
   */
  private removeInTxn(path: string): void {
    const old = this.docs.get(path);
    if (!old) return;
    if (old.generation) this.addPrefixInTxn('retired', passagePrefix(path, old.generation));
    else this.removePassagesInTxn(old.passageIds);
    if (old.status === 'done' && old.documentTokens) {
      const counts = this.counts();
      counts.documentTokens -= old.documentTokens;
      this.meta.putSync('counts', counts);
    }
    this.docs.removeSync(path);
  }

  /** Removes passages with their states and postings, counted. Inside a write transaction. */
  private removePassagesInTxn(ids: string[]): void {
    const counts = this.counts();
    for (const id of ids) {
      const passage = this.passages.get(id);
      if (passage) {
        this.termIndex.remove(id, passage.text);
        counts.passages--;
        this.passages.removeSync(id);
      }
      this.removeStatesInTxn(id, passage, counts);
    }
    this.meta.putSync('counts', counts);
  }

  /**
   * Removes a passage's states and takes them off `counts`, without reading them when it can: with
   * remapChunks LMDB maps a value read whole as one entry of its chunk cache, and that cache is
   * purged by entry count (~8,000), not by bytes, so reading every state of a big document being
   * dropped (~0.5 MB each at fp16, hidden 768) once took the indexer's file-backed RSS from 0.5
   * to 0.75 GB in a minute. Their size follows from the passage's tokens (the write checks
   * states.tokens against it) and the width, read from the first state header this store removes.
   */
  private removeStatesInTxn(id: string, passage: PassageRecord | undefined, counts: Counts): void {
    let tokens: number;
    let hidden = this.statesHidden;
    if (passage && hidden !== undefined) {
      if (!this.states.removeSync(id)) return;
      tokens = passage.tokenCount;
    } else {
      const bytes = this.states.getBinaryFast(id);
      if (!bytes) return;
      ({ tokens, hidden } = readStatesHeader(bytes, id));
      this.statesHidden = hidden;
      this.states.removeSync(id);
    }
    counts.storedTokens -= tokens;
    counts.stateBytes -= tokens * bytesPerToken(this.identity.precision, hidden);
  }
}

/** A write whose parts disagree is a bug in the caller: fail before anything is stored. No states at all is search-only. */
function checkWrite({ doc, passages, states }: DocumentWrite): void {
  checkPassages(doc.path, passages, states);
}

function checkPassages(path: string, passages: PassageRecord[], states: DocumentWrite['states'], generation?: string): void {
  if (states.length !== passages.length && states.length !== 0) {
    throw new Error(`${path}: ${passages.length} passages but ${states.length} lower states`);
  }
  passages.forEach((p, i) => {
    if (p.docPath !== path) throw new Error(`passage ${p.id} belongs to ${p.docPath}, not ${path}`);
    if (p.id !== passageId(path, p.index, generation)) throw new Error(`passage ${p.id} of ${path}: ids come from cache-key.ts passageId()`);
    const s = states[i];
    if (!s) return;
    if (s.tokens !== p.tokenCount) throw new Error(`passage ${p.id}: ${p.tokenCount} tokens but states for ${s.tokens}`);
    if (s.data.length !== s.tokens * s.hidden) throw new Error(`passage ${p.id}: states hold ${s.data.length} values, not ${s.tokens} × ${s.hidden}`);
  });
}

/** LMDB's meta page magic, 0xBEEFC0DE little-endian, within the file's first bytes. */
const lmdbMagic = Buffer.from([0xde, 0xc0, 0xef, 0xbe]);

/** LMDB trusts its file and crashes the process on garbage: refuse a file that is not an LMDB environment. */
function checkLmdbFile(file: string): void {
  if (!existsSync(file)) return;
  const head = Buffer.alloc(64);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read > 0 && head.subarray(0, read).indexOf(lmdbMagic) < 0) {
    throw new DeskError('STORE_CORRUPT', `${file} is not a library cache (damaged or another kind of file); move it away and re-index.`, { file });
  }
}
