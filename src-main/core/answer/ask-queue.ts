/**
 * Questions under load. One question reads at a time (the engine thread runs one pass at a time
 * anyway; running more at once only holds more passage states in memory). Behind it, at most
 * `maxWaiting` questions wait; past that a question is refused at once with BUSY ("busy, try
 * again") instead of waiting half a minute. A new question from a client (a window, a browser
 * tab) supersedes that client's older one: a waiting one leaves the queue, a running one has
 * its result dropped, and either call ends with SUPERSEDED, which the UI ignores (latest wins).
 */
import { DeskError } from '../errors';

/** Default waiting places: at ~50–300 ms a question, the last one waits at most a few seconds. */
export const defaultMaxWaiting = 8;

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

  constructor(readonly maxWaiting = defaultMaxWaiting) {}

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
      } else if (this.waiting.length >= this.maxWaiting && this.running) {
        return reject(new DeskError('BUSY', `Busy answering ${this.waiting.length + 1} other questions: try again in a moment.`));
      } else {
        this.waiting.push(entry);
      }
      this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    this.running = entry;
    void entry
      .job()
      .then(
        (value) => (entry.isSuperseded ? entry.reject(superseded()) : entry.resolve(value)),
        (err: Error) => (entry.isSuperseded ? entry.reject(superseded()) : entry.reject(err)),
      )
      .finally(() => {
        this.running = null;
        this.next();
      });
  }
}
