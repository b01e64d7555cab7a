/**
 * Test helpers for the indexer's tests: temp folders, generated documents (txt, PDF, DOCX),
 * a library over the tiny golden BERT (k = 2), an event log, and a raw consistency scan of a
 * library's LMDB file. Imported by *.test.ts only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Document, Packer, Paragraph } from 'docx';
import { open } from 'lmdb';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { CacheIdentity, DocumentRecord, PassageRecord } from '../store/types';
import { tinyBertDir } from '../testing/paths';
import { chunkWindowsFor } from './encode-document';
import { Library, type LibraryOptions } from './library';
import type { IndexEvent } from './types';

export { tinyBertDir };

/** A fresh temp folder, removed by `cleanup`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `desk-${prefix}-`));
}

/** Removes temp folders (missing ones are fine). */
export function cleanup(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** Writes files under `root` (creating folders); values are text or bytes. */
export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

const words = ['river', 'castle', 'engine', 'harvest', 'lantern', 'meadow', 'copper', 'falcon', 'glacier', 'orchard', 'signal', 'thunder'];

/** Deterministic prose: `n` sentences seeded by `seed`. */
export function prose(seed: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = (j: number) => words[(seed * 7 + i * 3 + j * 5) % words.length];
    out.push(`The ${w(0)} near the ${w(1)} ${seed} saw a ${w(2)} and ${i} ${w(3)}s.`);
  }
  return out.join(' ');
}

/** A PDF with one page per entry, each line drawn as text (pdf-lib). */
export async function pdfBytes(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([500, 700]);
    lines.forEach((line, i) => page.drawText(line, { x: 30, y: 660 - 16 * i, size: 10, font }));
  }
  return doc.save();
}

/** A Word document with one paragraph per entry (docx). */
export async function docxBytes(paragraphs: string[]): Promise<Uint8Array> {
  return Packer.toBuffer(new Document({ sections: [{ children: paragraphs.map((p) => new Paragraph(p)) }] }));
}

/** Every event a library emits, with helpers to count and wait. */
export class EventLog {
  readonly events: IndexEvent[] = [];
  private waiters: Array<() => void> = [];

  readonly listener = (event: IndexEvent): void => {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  };

  of<T extends IndexEvent['type']>(type: T): Array<Extract<IndexEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<IndexEvent, { type: T }> => e.type === type);
  }

  indexedPaths(): string[] {
    return this.of('documentIndexed').map((e) => e.path);
  }

  clear(): void {
    this.events.length = 0;
  }

  /** Resolves once `predicate` holds over the log; rejects after `timeoutMs`. */
  async waitFor(predicate: (log: EventLog) => boolean, timeoutMs = 15_000, what = 'events'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.filter((e) => e.type !== 'indexProgress'))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Library options over the tiny golden BERT with small windows, so short files give several passages. */
export function tinyOptions(dbDir: string, cacheDir: string, overrides: Partial<LibraryOptions> = {}): LibraryOptions {
  return {
    dbDir,
    model: tinyBertDir,
    k: 2,
    provider: 'cpu',
    threads: 1,
    cacheDir,
    watch: false,
    writeSettleMs: 150,
    ...overrides,
    settings: { windowTokens: 48, overlapTokens: 8, batchSize: 4, ...overrides.settings },
  };
}

/** Windows per chunk of a streamed document under tinyOptions (the tiny model's hidden 32 makes small states: the most a chunk holds). */
export const tinyChunkWindows = chunkWindowsFor(48, (JSON.parse(readFileSync(join(tinyBertDir, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size);

/** Opens a library with an event log attached from the start. */
export async function openLogged(options: LibraryOptions): Promise<{ library: Library; log: EventLog }> {
  const log = new EventLog();
  const library = await Library.open(options, { onEvent: log.listener });
  return { library, log };
}

/** What a library's LMDB file holds, read raw (not through the store), plus what is wrong with it. */
export interface CacheDump {
  docs: Map<string, DocumentRecord>;
  passages: Map<string, PassageRecord>;
  /** sha256 of each passage's stored state bytes. */
  states: Map<string, string>;
  postings: number;
  /** The cache identity stored in meta. */
  identity?: CacheIdentity;
  /** Passages of a multi-transaction write not flipped yet, or of a replaced generation not yet removed (no document's). */
  inFlight: number;
  problems: string[];
}

/**
 * Reads every record of the store at `dbDir` and checks the invariants a crash must not break:
 * a 'done' document has all its passages and states; no passage, state or posting exists
 * without its document (except under a write in progress, which no reader sees); a document
 * without 'done' has no passages.
 */
export function dumpCache(dbDir: string, expectStates: boolean): CacheDump {
  const env = open({ path: join(dbDir, 'library.mdb'), maxDbs: 12, readOnly: true });
  try {
    const docs = new Map<string, DocumentRecord>();
    for (const { key, value } of env.openDB<DocumentRecord, string>({ name: 'docs' }).getRange()) docs.set(key, value);
    const passages = new Map<string, PassageRecord>();
    for (const { key, value } of env.openDB<PassageRecord, string>({ name: 'passages' }).getRange()) passages.set(key, value);
    const states = new Map<string, string>();
    for (const { key, value } of env.openDB<Buffer, string>({ name: 'states', encoding: 'binary' }).getRange()) {
      states.set(key, createHash('sha256').update(value).digest('hex'));
    }
    const problems: string[] = [];
    const meta = env.openDB<unknown, string>({ name: 'meta' });
    const hidden = [...((meta.get('unfinished') as string[]) ?? []), ...((meta.get('retired') as string[]) ?? [])];
    const isInFlight = (id: string) => hidden.some((prefix) => id.startsWith(prefix));
    const owned = new Set<string>();
    for (const doc of docs.values()) {
      if (doc.status !== 'done' && doc.passageIds.length > 0) problems.push(`${doc.path}: ${doc.status} but has passages`);
      for (const id of doc.passageIds) {
        owned.add(id);
        if (!passages.has(id)) problems.push(`${doc.path}: passage ${id} missing`);
        if (expectStates && !states.has(id)) problems.push(`${doc.path}: states of ${id} missing`);
      }
    }
    let inFlight = 0;
    for (const [id, p] of passages) {
      if (isInFlight(id)) inFlight++;
      else if (!owned.has(id)) problems.push(`passage ${id} of ${p.docPath} has no document`);
    }
    for (const id of states.keys()) if (!owned.has(id) && !isInFlight(id)) problems.push(`states ${id} have no document`);
    let postings = 0;
    for (const { key } of env.openDB<unknown, [string, string]>({ name: 'terms' }).getRange()) {
      postings++;
      if (!passages.has(key[1])) problems.push(`posting ${key[0]} → ${key[1]} has no passage`);
    }
    const identity = meta.get('identity') as CacheIdentity | undefined;
    return { docs, passages, states, postings, identity, problems, inFlight };
  } finally {
    void env.close();
  }
}
