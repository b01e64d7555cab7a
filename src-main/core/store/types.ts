/** The cache's records (ARCHITECTURE.md#store-layout). One LMDB environment per library. */

/** How cached lower states are stored (store/quantize.ts); int4 and int3 are 32-value group codecs. */
export type Precision = 'fp32' | 'fp16' | 'int8' | 'int4' | 'int3';

/** Everything that makes stored lower states valid; change any field and the states must be re-encoded. */
export interface CacheIdentity {
  modelFingerprint: string;
  k: number;
  passageOffset: number;
  precision: Precision;
  /** Window size W and overlap O also change which passages exist. */
  windowTokens: number;
  overlapTokens: number;
  /** Weights of the lower layers that made the states (int8 states differ from fp32 ones); absent = fp32. */
  lowerWeights?: 'fp32' | 'int8';
}

export type DocumentStatus = 'queued' | 'indexing' | 'done' | 'failed' | 'skipped';

/** A document as the library knows it, keyed by absolute path. */
export interface DocumentRecord {
  path: string;
  /** The watched folder this document belongs to. */
  folder: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  status: DocumentStatus;
  /** Human-readable reason for failed/skipped (e.g. "corrupt PDF: Invalid PDF structure"). */
  reason?: string;
  /** Stable error code for failed/skipped (ErrorCode from core/errors). */
  code?: string;
  /** Extracted text length in chars, and its token count (before windowing). */
  textLength?: number;
  documentTokens?: number;
  passageIds: string[];
  /** Set when the passages were written across several transactions (cache-key.ts nextGeneration). */
  generation?: string;
  encoding?: string;
  warnings?: string[];
  /** Pages (or images) whose text was read by OCR. */
  ocrPages?: number;
  /** OCR was on when this record was written: a "no text found" with OCR off is read again once it is on. */
  ocrOn?: boolean;
  indexedAt?: number;
}

/** One passage window of a document. */
export interface PassageRecord {
  id: string;
  docPath: string;
  index: number;
  /** The window's text: extractedText.slice(charStart, charEnd). */
  text: string;
  charStart: number;
  charEnd: number;
  /** Page of charStart; `pageBreaks`: pages starting inside the passage (absent in stores written before them). */
  page?: number;
  pageBreaks?: Array<{ page: number; charStart: number }>;
  tokenCount: number;
  /** Token ids of `p [SEP]` and their char offsets relative to the document's extracted text. */
  ids: number[];
  offsets: Array<[number, number]>;
}

/** A document and everything derived from it, written in one transaction. */
export interface DocumentWrite {
  doc: DocumentRecord;
  passages: PassageRecord[];
  /**
   * Lower states per passage, same order as `passages`: [tokens, hidden] float32 before quantisation.
   * Empty when there is no model: passages and terms are stored without states (search only).
   */
  states: Array<{ data: Float32Array; tokens: number; hidden: number }>;
}

/** One chunk of a document written across several transactions (LibraryStoreApi.beginDocument). */
export interface PassageChunk {
  docPath: string;
  generation: string;
  passages: PassageRecord[];
  /** As DocumentWrite.states: one per passage, or none without a model. */
  states: DocumentWrite['states'];
}

/** Passage search hit from the term index (BM25). */
export interface TermHit {
  passageId: string;
  score: number;
}

/** Counts for status screens and the bench. */
export interface StoreStats {
  documents: number;
  passages: number;
  /** Tokens stored (windows overlap, so this exceeds documentTokens). */
  storedTokens: number;
  documentTokens: number;
  /** Bytes of lower states stored. */
  stateBytes: number;
}

/**
 * The library's LMDB store (ARCHITECTURE.md#store-layout), implemented by `LibraryStore` in store/store.ts.
 * Reads are synchronous (LMDB reads are memory-mapped); writes are transactional.
 */
export interface LibraryStoreApi {
  readonly identity: CacheIdentity;
  /** Watched folders (absolute paths), persisted. */
  listFolders(): string[];
  addFolder(folder: string): Promise<void>;
  /** Removes the folder and every document (passages, states, terms) under it. */
  removeFolder(folder: string): Promise<void>;
  getDocument(path: string): DocumentRecord | undefined;
  listDocuments(folder?: string): DocumentRecord[];
  /** Records a status without passages (queued / failed / skipped); drops the old passages of that path, in one transaction. */
  putDocumentStatus(doc: DocumentRecord): Promise<void>;
  /** Replaces the document with its passages, states and terms in ONE transaction. */
  writeDocument(write: DocumentWrite): Promise<void>;
  /** writeDocument for several documents in ONE transaction (one commit): each is wholly present or absent. */
  writeDocuments(writes: DocumentWrite[]): Promise<void>;
  removeDocument(path: string): Promise<void>;
  /**
   * A document too big for one transaction, in three steps: beginDocument, then writePassages
   * any number of times (each chunk one transaction), then finishDocument flips the document
   * record to the new passages in one transaction. Until the flip, readers see the old document
   * (search never returns the new passages); abandonDocument, or the next dropUnfinished after a
   * crash, removes what was written.
   */
  beginDocument(path: string, generation: string): Promise<void>;
  writePassages(write: PassageChunk): Promise<void>;
  finishDocument(doc: DocumentRecord): Promise<void>;
  abandonDocument(path: string, generation: string): Promise<void>;
  /** Removes passages of writes a crash interrupted and of replaced documents. The indexer calls it on open. */
  dropUnfinished(): Promise<number>;
  getPassage(id: string): PassageRecord | undefined;
  /**
   * Lower states of a passage, dequantised to float32: [tokens, hidden]. Throws STORE_CORRUPT on a bad
   * record, NOT_FOUND for an unknown passage or one stored without states.
   */
  readStates(id: string): { data: Float32Array; tokens: number; hidden: number };
  /** Refreshes size and mtime of a document whose bytes did not change; passages stay. No-op for an unknown path. */
  touchDocument(path: string, file: { size: number; mtimeMs: number }): Promise<void>;
  /** readStates for several passages, in order. */
  readStatesMany?(ids: string[]): Array<{ data: Float32Array; tokens: number; hidden: number }>;
  /** BM25 over passages; best first. */
  search(query: string, limit: number): TermHit[];
  stats(): StoreStats;
  close(): Promise<void>;
}
