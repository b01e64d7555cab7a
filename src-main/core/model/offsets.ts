/**
 * Collects token ids with their char spans in the original text and keeps spans in order.
 *
 * Normalisation can turn one original character into several word-piece characters (a Hangul
 * syllable becomes 2-3 jamo, each often its own piece). Such pieces would share the original
 * character; we give it to the first piece and clamp later ones to an empty span at its end,
 * so exact spans never overlap and `text.slice(start, end)` never repeats a character.
 */
export class SpanSink {
  private ids = new Int32Array(256);
  private count = 0;
  readonly offsets: Array<[number, number]> = [];
  private lastEnd = 0;

  /** A piece aligned to its own characters. */
  pushExact(id: number, start: number, end: number): void {
    const s = start < this.lastEnd ? this.lastEnd : start;
    const e = end < s ? s : end;
    this.add(id, s, e);
    this.lastEnd = e;
  }

  /**
   * Pieces that could not be aligned one by one ([UNK], or a word whose pieces did not spell it):
   * every piece gets the word's span. `isClamped` false keeps the span as given even if it
   * overlaps the previous token (a chunk the library normalised differently from us).
   */
  pushShared(ids: ArrayLike<number>, start: number, end: number, isClamped: boolean): void {
    const s = isClamped && start < this.lastEnd ? this.lastEnd : start;
    const e = end < s ? s : end;
    for (let k = 0; k < ids.length; k++) this.add(ids[k], s, e);
    if (e > this.lastEnd) this.lastEnd = e;
  }

  /** The id of the last token, or -1. */
  lastId(): number {
    return this.count > 0 ? this.ids[this.count - 1] : -1;
  }

  /** Widens the last token's span to `end` (the library fusing consecutive [UNK]s). */
  extendLast(end: number): void {
    const last = this.offsets[this.count - 1];
    if (end > last[1]) last[1] = end;
    if (end > this.lastEnd) this.lastEnd = end;
  }

  get length(): number {
    return this.count;
  }

  /** Ids [tokens] and their spans. */
  finish(): { ids: Int32Array; offsets: Array<[number, number]> } {
    return { ids: this.ids.slice(0, this.count), offsets: this.offsets };
  }

  private add(id: number, start: number, end: number): void {
    if (this.count === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.count++] = id;
    this.offsets.push([start, end]);
  }
}
