/**
 * Questions under load. One question reads at a time (the engine thread runs one pass at a time
 * anyway; running more at once only holds more passage states in memory). Behind it, at most
 * `maxWaiting` questions wait, and no more than would wait `maxWaitMs` at the recent pace of
 * answering (so the bound holds on a slow or busy machine as on a fast one); past that a
 * question is refused at once with BUSY ("busy, try again") instead of waiting half a minute. A new question from a client (a window, a browser
 * tab) supersedes that client's older one: a waiting one leaves the queue, a running one has
 * its result dropped, and either call ends with SUPERSEDED, which the UI ignores (latest wins).
 */
import { DeskError } from '../errors';

/** Default waiting places, whatever the pace. */
export const defaultMaxWaiting = 8;
/** Default longest expected wait before a question starts: well inside a person's patience. */
export const defaultMaxWaitMs = 700;
/** Weight of the latest duration in the running mean of how long a question takes. */
const paceWeight = 0.2;

export interface AskQueueOptions {
  maxWaiting?: number;
  maxWaitMs?: number;
  /** The clock durations are measured with (tests pass their own). */
  now?: () => number;
}

interface Entry {
  client: string | undefined;
  job: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: Error): void;
  isSuperseded: boolean;
}

const superseded = () => new DeskError('SUPERSEDED', 'A newer question from the same window replaced this one.');

export class AskQueue {
  private readonly waiting: Entry[] = [];
  private running: Entry | null = null;
  /** Running mean of how long a question takes, ms; null until one has been answered. */
  private paceMs: number | null = null;
  readonly maxWaiting: number;
  readonly maxWaitMs: number;
  private readonly now: () => number;

  constructor(options: AskQueueOptions = {}) {
    this.maxWaiting = options.maxWaiting ?? defaultMaxWaiting;
    this.maxWaitMs = options.maxWaitMs ?? defaultMaxWaitMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Questions waiting (not counting the one running). */
  get depth(): number {
    return this.waiting.length;
  }

  /** Runs `job` in its turn; rejects with BUSY when the queue is full, SUPERSEDED when `client` asked again. */
  run<T>(client: string | undefined, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { client, job, resolve: resolve as (v: unknown) => void, reject, isSuperseded: false };
      if (client !== undefined && this.running?.client === client) this.running.isSuperseded = true;
      const older = client === undefined ? -1 : this.waiting.findIndex((e) => e.client === client);
      if (older >= 0) {
        // The newer question takes the older one's place: superseding never costs a client its turn.
        this.waiting[older].reject(superseded());
        this.waiting[older] = entry;
      } else if (this.running && this.isFull()) {
        return reject(new DeskError('BUSY', `Busy answering ${this.waiting.length + 1} other questions: try again in a moment.`));
      } else {
        this.waiting.push(entry);
      }
      this.next();
    });
  }

  /** No room: every place taken, or the last place would wait longer than maxWaitMs at the recent pace. */
  private isFull(): boolean {
    if (this.waiting.length >= this.maxWaiting) return true;
    return this.paceMs !== null && (this.waiting.length + 1) * this.paceMs > this.maxWaitMs;
  }

  private next(): void {
    if (this.running) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    this.running = entry;
    const started = this.now();
    // The queue's state is settled before the caller hears back, so a question asked on the
    // answer already sees the freed place and the updated pace.
    const finish = (settle: () => void) => {
      const took = this.now() - started;
      this.paceMs = this.paceMs === null ? took : (1 - paceWeight) * this.paceMs + paceWeight * took;
      this.running = null;
      settle();
      this.next();
    };
    void entry.job().then(
      (value) => finish(() => (entry.isSuperseded ? entry.reject(superseded()) : entry.resolve(value))),
      (err: Error) => finish(() => (entry.isSuperseded ? entry.reject(superseded()) : entry.reject(err))),
    );
  }
}
