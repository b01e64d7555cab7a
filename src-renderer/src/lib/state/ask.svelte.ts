import type { DeskApi } from '$contract';
import { DeskCallError } from '../bridge';
import type { Toasts } from './toasts.svelte';
import type { AskResult } from './types';

const historyKey = 'desk-question-history';
const historySize = 50;
/** This window's name for the service's question queue: its newer question supersedes its older one. */
const clientId = crypto.randomUUID();
/** BUSY: the service's question queue is full (answer/ask-queue.ts). */
export const busyMessage = 'Busy answering other questions: try again in a moment.';

/** The question box: the question, recent questions (↑/↓), the last result. */
export class AskState {
  question = $state('');
  result = $state<AskResult | null>(null);
  isBusy = $state(false);
  error = $state<string | null>(null);
  private history: string[] = [];
  /** Position while walking history: -1 is the question being typed. */
  private cursor = -1;
  private draft = '';
  /** The latest question's number: an older call's answer or error is not shown. */
  private turn = 0;

  constructor(
    private readonly api: DeskApi,
    private readonly toasts: Toasts,
  ) {
    try {
      this.history = JSON.parse(localStorage.getItem(historyKey) ?? '[]') as string[];
    } catch {
      this.history = [];
    }
  }

  /**
   * Asks; a question asked while another computes replaces it (the service answers the older one
   * SUPERSEDED, ignored here: only the latest question's answer is shown).
   */
  async ask(): Promise<void> {
    const question = this.question.trim();
    if (!question) return;
    const turn = ++this.turn;
    this.isBusy = true;
    this.error = null;
    this.remember(question);
    try {
      const result = await this.api.ask({ question, client: clientId });
      if (turn === this.turn) this.result = result;
    } catch (err) {
      if (turn !== this.turn || (err instanceof DeskCallError && err.code === 'SUPERSEDED')) return;
      this.error = err instanceof DeskCallError && err.code === 'BUSY' ? busyMessage : err instanceof Error ? err.message : String(err);
    } finally {
      if (turn === this.turn) this.isBusy = false;
    }
  }

  clear(): void {
    this.question = '';
    this.result = null;
    this.error = null;
    this.cursor = -1;
  }

  /** ↑: the previous question asked (keeps what was being typed to come back to). */
  previous(): void {
    if (this.cursor + 1 >= this.history.length) return;
    if (this.cursor === -1) this.draft = this.question;
    this.cursor++;
    this.question = this.history[this.cursor];
  }

  /** ↓: towards the most recent, then back to the draft. */
  next(): void {
    if (this.cursor < 0) return;
    this.cursor--;
    this.question = this.cursor === -1 ? this.draft : this.history[this.cursor];
  }

  private remember(question: string): void {
    this.history = [question, ...this.history.filter((q) => q !== question)].slice(0, historySize);
    this.cursor = -1;
    try {
      localStorage.setItem(historyKey, JSON.stringify(this.history));
    } catch {
      // Storage full or disabled: history simply lasts for this session.
    }
  }
}
