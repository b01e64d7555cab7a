/**
 * `npm run bench -- --load`: questions under load on the web shell, loopback only. A 200-document
 * library is indexed with a small random BERT (4 layers, H 256, 4 heads, FFN 1024, k 3: big
 * enough that a question costs tens of ms on 2 cores, small enough to build in seconds); then
 * 200 clients ask without pause for 30 s, each waiting for its answer before asking again and
 * 200 ms after a BUSY. Measured: answers, BUSY answers, resets and timeouts (a request not
 * answered within 10 s), p50/p99 latency of answered questions, and the server's resident
 * memory idle, at its peak, and 30 s after the burst. Stops by itself.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeRandomCheckpoint } from '../../models/random-checkpoint';
import { httpPath, TOKEN_HEADER } from '../core/contract';
import { largeBufferMallocEnv } from '../core/index/malloc-env';

export interface LoadBenchResult {
  clients: number;
  seconds: number;
  requests: number;
  answered: number;
  busy: number;
  errors: { reset: number; timeout: number; other: number };
  p50Ms: number;
  p99Ms: number;
  rssIdleMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}

export interface LoadBenchOptions {
  workDir: string;
  log: (line: string) => void;
  clients?: number;
  seconds?: number;
  /** How long after the burst the memory is read again. */
  settleSeconds?: number;
  documents?: number;
}

const model = { arch: 'bert', layers: 4, hidden: 256, heads: 4, ffn: 1024, k: 3 } as const;
export const loadModel = `random BERT ${model.layers} layers, H ${model.hidden}, ${model.heads} heads, FFN ${model.ffn}, k ${model.k}`;
const requestTimeoutMs = 10_000;
const busyPauseMs = 200;

const topics = ['harbour', 'lighthouse', 'orchard', 'glacier', 'railway', 'library', 'vineyard', 'observatory', 'monastery', 'canal'];
const verbs = ['repaired', 'described', 'measured', 'painted', 'guarded', 'mapped', 'visited', 'restored'];
const names = ['Ada', 'Bruno', 'Clara', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas'];

/** Document d: a few hundred words about one topic, so questions retrieve a handful of documents. */
function documentText(d: number): string {
  const sentences: string[] = [];
  for (let s = 0; s < 24; s++) {
    const topic = topics[(d + s) % topics.length];
    sentences.push(`In ${1800 + ((d * 7 + s * 13) % 200)}, ${names[(d + s * 3) % names.length]} ${verbs[(d * 5 + s) % verbs.length]} the ${topic} near the old ${topics[(d * 3 + s) % topics.length]} of district ${d}.`);
  }
  return sentences.join(' ');
}

/** The server's resident memory (Linux /proc; elsewhere 0, and the README says so). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);

export async function runLoadBench(options: LoadBenchOptions): Promise<LoadBenchResult> {
  const { workDir, log } = options;
  const clients = options.clients ?? 200;
  const seconds = options.seconds ?? 30;
  const settleSeconds = options.settleSeconds ?? 30;
  const documents = options.documents ?? 200;
  const root = join(workDir, `load-${documents}`);
  const checkpoint = join(workDir, 'load-model');
  if (!existsSync(join(checkpoint, 'model.safetensors'))) {
    await makeRandomCheckpoint({ ...model, seed: 13, out: checkpoint, deformer: { k: model.k } });
  }
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  for (let d = 0; d < documents; d++) writeFileSync(join(docs, `doc-${String(d).padStart(3, '0')}.txt`), documentText(d));

  log(`load: indexing ${documents} documents with ${loadModel}`);
  // The server runs as `npm run serve` does: without the indexer's malloc settings, which the
  // benchmark process itself runs under (bench.ts) and which keep freed memory from the system.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in largeBufferMallocEnv)));
  const server = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'load-server.ts'), join(root, 'data'), docs, checkpoint], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`load server exited (code ${code})`)));
    });
    const { origin, token, pid } = JSON.parse(first) as { origin: string; token: string; pid: number };
    const ask = (question: string, client: string) =>
      fetch(`${origin}${httpPath('ask')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
        body: JSON.stringify({ question, client }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    await (await ask('Who repaired the lighthouse?', 'warm-up')).json(); // sessions open on first use
    await sleep(2000);
    const rssIdleMb = rssMb(pid);
    let rssPeakMb = rssIdleMb;
    const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(pid))), 250);

    log(`load: ${clients} clients for ${seconds} s`);
    const result = { requests: 0, answered: 0, busy: 0, errors: { reset: 0, timeout: 0, other: 0 } };
    const latencies: number[] = [];
    const end = Date.now() + seconds * 1000;
    const client = async (c: number) => {
      for (let q = 0; Date.now() < end; q++) {
        const question = `Who ${verbs[(c + q) % verbs.length]} the ${topics[(c * 3 + q) % topics.length]}?`;
        const t0 = performance.now();
        result.requests++;
        try {
          const response = await ask(question, `client-${c}`);
          const body = (await response.json().catch(() => null)) as { ok?: boolean } | null;
          if (response.status === 200 && body?.ok === true) {
            result.answered++;
            latencies.push(performance.now() - t0);
          } else if (response.status === 503) {
            result.busy++;
            await sleep(busyPauseMs);
          } else result.errors.other++;
        } catch (err) {
          const e = err as Error & { cause?: { code?: string } };
          if (e.name === 'TimeoutError') result.errors.timeout++;
          else if (/ECONNRESET|UND_ERR_SOCKET|ECONNREFUSED|EPIPE/.test(`${e.cause?.code ?? ''} ${e.message}`)) result.errors.reset++;
          else result.errors.other++;
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    clearInterval(sampler);
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
    log(`load: ${result.answered} answered, ${result.busy} busy; waiting ${settleSeconds} s for memory to settle`);
    await sleep(settleSeconds * 1000);
    const rssAfterMb = rssMb(pid);
    latencies.sort((a, b) => a - b);
    return {
      clients,
      seconds,
      ...result,
      p50Ms: Math.round(percentile(latencies, 0.5)),
      p99Ms: Math.round(percentile(latencies, 0.99)),
      rssIdleMb,
      rssPeakMb,
      rssAfterMb,
    };
  } finally {
    server.kill('SIGTERM');
  }
}
