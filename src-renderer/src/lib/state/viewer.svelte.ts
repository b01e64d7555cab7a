import type { DeskApi } from '$contract';
import type { Toasts } from './toasts.svelte';
import type { DocumentText } from './types';

/** Where to look in a document: the passage to mark and, for an answer, the span to highlight. */
export interface ViewerTarget {
  path: string;
  passageStart: number;
  passageEnd: number;
  answerStart?: number;
  answerEnd?: number;
  /** The page (PDF page, slide, chapter) the result cites, shown in the viewer's header. */
  page?: number;
}

/** The text cut at the target's boundaries, for rendering: before, passage (with the answer inside), after. */
export interface ViewerParts {
  before: string;
  passageBefore: string;
  answer: string;
  passageAfter: string;
  after: string;
}

/** Splits `text` at a target's offsets, clamped to the text (a file changed since indexing must not throw). */
export function viewerParts(text: string, t: ViewerTarget): ViewerParts {
  const clamp = (n: number) => Math.max(0, Math.min(text.length, n));
  const ps = clamp(t.passageStart);
  const pe = Math.max(ps, clamp(t.passageEnd));
  const as = Math.max(ps, Math.min(pe, clamp(t.answerStart ?? ps)));
  const ae = Math.max(as, Math.min(pe, clamp(t.answerEnd ?? as)));
  return {
    before: text.slice(0, ps),
    passageBefore: text.slice(ps, as),
    answer: text.slice(as, ae),
    passageAfter: text.slice(ae, pe),
    after: text.slice(pe),
  };
}

/** The in-app document viewer: which document is open, at which passage and answer. */
export class ViewerState {
  // Raw: replaced whole, never mutated; and `show` compares the target by identity (a proxy would not be).
  target = $state.raw<ViewerTarget | null>(null);
  doc = $state.raw<DocumentText | null>(null);
  error = $state<string | null>(null);
  isLoading = $state(false);

  /** Null while another document's text is still loading: never the old text at the new offsets. */
  parts = $derived(this.doc && this.target && this.doc.path === this.target.path ? viewerParts(this.doc.text, this.target) : null);

  constructor(
    private readonly api: DeskApi,
    private readonly toasts: Toasts,
  ) {}

  async show(target: ViewerTarget): Promise<void> {
    this.target = target;
    this.error = null;
    this.isLoading = true;
    try {
      const doc = this.doc?.path === target.path ? this.doc : await this.api['documents.text']({ path: target.path });
      if (this.target === target) this.doc = doc;
    } catch (err) {
      this.doc = null;
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.isLoading = false;
    }
  }

  close(): void {
    this.target = null;
  }

  /** Desktop: opens the file in its own app, or shows it in its folder. */
  async openOutside(reveal: boolean): Promise<void> {
    if (!this.target) return;
    try {
      await this.api['documents.open']({ path: this.target.path, reveal });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async copyPath(): Promise<void> {
    if (!this.target) return;
    try {
      await navigator.clipboard.writeText(this.target.path);
      this.toasts.show('Path copied.');
    } catch {
      this.error = `Could not copy: select the path above and copy it (${this.target.path}).`;
    }
  }
}
