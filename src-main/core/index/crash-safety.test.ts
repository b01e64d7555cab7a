import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LibraryStore } from '../store/store';
import { repoRoot } from '../testing/paths';
import { cleanup, dumpCache, prose, tempDir, tinyBertDir, writeFiles, type CacheDump } from './test-kit';

/**
 * Crash safety: the `index` CLI runs as a child process over a few hundred small documents and
 * is SIGKILLed at seeded random points, then restarted. After every kill the database must
 * open and hold only whole documents; the final cache must equal a clean run's. The kill points
 * are counted in the run's own output (documents stored, `--verbose`), never in time, so how
 * fast the machine is changes nothing: each indexing round stores at most a few groups of
 * documents before its kill, far fewer than remain. Its timeout only catches a hang: the 16 CLI
 * start-ups take ~35 s on an idle 2-core machine and once went past 170 s beside the rest of the suite.
 */
const hangGuardMs = 15 * 60_000;
const root = tempDir('crash');
const docs = join(root, 'docs');
const cleanData = join(root, 'clean-data');
const crashData = join(root, 'crash-data');
/** The LMDB folder inside each data folder (ARCHITECTURE.md#store-layout). */
const cleanDb = join(cleanData, 'library');
const crashDb = join(crashData, 'library');
const documents = 320;
const kills = 14;
/** A round is killed after this run stored 1..maxStoredBeforeKill documents (seeded). */
const maxStoredBeforeKill = 6;

afterAll(() => cleanup(root));

function cliArgs(db: string): string[] {
  return [
    '--import', 'tsx', join(repoRoot, 'src-main/cli.ts'), 'index', docs, '--db', db,
    '--model', tinyBertDir, '--k', '2', '--window', '64', '--overlap', '16', '--provider', 'cpu', '--verbose',
  ];
}

/**
 * Starts the CLI; `stored(n)` resolves once this run printed n documents stored (or it
 * exited), `exited` with its exit code or signal.
 */
function startCli(db: string) {
  const child = spawn(process.execPath, cliArgs(db), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let waiting: { n: number; wake: () => void } | undefined;
  const storedCount = () => output.match(/^indexed /gm)?.length ?? 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (waiting && storedCount() >= waiting.n) waiting.wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const stored = (n: number) =>
    Promise.race([exited, new Promise<void>((wake) => (storedCount() >= n ? wake() : (waiting = { n, wake })))]);
  /** Resolves at the first progress line: the store is open and reconciliation has begun. */
  const progressed = () => Promise.race([exited, new Promise<void>((wake) => child.stderr.once('data', () => wake()))]);
  return { child, stored, progressed, exited, output: () => output };
}

/** mulberry32: the kill moments are random but the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each stored document must be the clean run's document, whole, or not be there at all. */
function expectWholeDocuments(dump: CacheDump, clean: CacheDump): number {
  expect(dump.problems).toEqual([]);
  let done = 0;
  for (const [path, doc] of dump.docs) {
    if (doc.status !== 'done') continue;
    done++;
    const want = clean.docs.get(path)!;
    expect(doc.passageIds).toEqual(want.passageIds);
    for (const id of doc.passageIds) {
      expect(dump.passages.get(id)!.text).toBe(clean.passages.get(id)!.text);
      expect(dump.states.get(id)).toBe(clean.states.get(id));
    }
  }
  return done;
}

describe('crash safety', () => {
  it(`SIGKILL at ${kills} seeded points leaves only whole documents and the same final cache`, { timeout: hangGuardMs }, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < documents; i++) files[`d${String(i).padStart(3, '0')}.txt`] = prose(i, 1 + (i % 9)); // 1–3 windows of 64
    writeFiles(docs, files);

    const clean = startCli(cleanData);
    expect(await clean.exited, clean.output()).toEqual({ code: 0, signal: null });
    const cleanDump = dumpCache(cleanDb, true);
    expect(cleanDump.problems).toEqual([]);
    expect([...cleanDump.docs.values()].filter((d) => d.status === 'done')).toHaveLength(documents);

    const random = seeded(20240611);
    const started = Date.now();
    const doneAtKill: number[] = [];
    for (let round = 0; round < kills; round++) {
      const run = startCli(crashData);
      // Most kills land while documents are being stored; every fourth before the first one is
      // (start-up: opening the store, dropping unfinished writes, reconciling, the first encode).
      const isStartupKill = round % 4 === 3;
      if (!isStartupKill) await run.stored(1 + Math.floor(random() * maxStoredBeforeKill));
      else if (random() < 0.5) await run.progressed(); // else: at once, while node and the model load
      run.child.kill('SIGKILL');
      const outcome = await run.exited;
      // Never finished first: every round stores at most a few groups, far fewer than remain.
      expect(outcome, run.output()).toEqual({ code: null, signal: 'SIGKILL' });
      // The database opens after every kill, and holds only whole documents.
      const store = LibraryStore.open(crashDb, cleanDump.identity!, { onMismatch: 'error' });
      await store.close();
      doneAtKill.push(expectWholeDocuments(dumpCache(crashDb, true), cleanDump));
    }
    const final = startCli(crashData);
    expect(await final.exited, final.output()).toEqual({ code: 0, signal: null });
    const seconds = (Date.now() - started) / 1000;
    console.log(`crash safety: ${kills} kills in ${seconds.toFixed(0)} s; done documents at each kill: ${doneAtKill.join(' ')}`);

    expect(doneAtKill.some((n) => n > 0 && n < documents)).toBe(true); // some kills landed mid-way
    const finalDump = dumpCache(crashDb, true);
    expect(expectWholeDocuments(finalDump, cleanDump)).toBe(documents);
    expect([...finalDump.passages.keys()].sort()).toEqual([...cleanDump.passages.keys()].sort());
    expect(finalDump.states).toEqual(cleanDump.states);
    expect(finalDump.postings).toBe(cleanDump.postings);
  });
});
