import type { DeskApi } from '$contract';
import type { Toasts } from './toasts.svelte';
import type { AskResult } from './types';

const historyKey = 'desk-question-history';
const historySize = 50;

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

  async ask(): Promise<void> {
    const question = this.question.trim();
    if (!question || this.isBusy) return;
    this.isBusy = true;
    this.error = null;
    this.remember(question);
    try {
      this.result = await this.api.ask({ question });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.isBusy = false;
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
