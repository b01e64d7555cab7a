/** Small pure helpers for display: names from paths, durations, sizes, passage excerpts. */

/** Last part of a path, for either separator. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** The folder part of a path, for either separator. */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut) : path;
}

/** 75 → "1 min 15 s"; undefined → "". */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** 1536 → "1.5 KB"; binary multiples. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A span probability in (0, 1] as a percentage a person reads at a glance. */
export function formatConfidence(score: number): string {
  const pct = score * 100;
  return pct >= 10 ? `${Math.round(pct)}%` : pct >= 0.1 ? `${pct.toFixed(1)}%` : '<0.1%';
}

/** The words an answer's confidence is shown in (core/answer/confidence.ts sets the bounds). */
export const confidenceWords = { confident: 'confident', likely: 'likely', unsure: 'unsure', none: 'no confident answer' } as const;

/** One piece of an excerpt: plain text or a highlighted range. */
export interface ExcerptPart {
  text: string;
  isMark: boolean;
}

/**
 * Cuts a readable window out of a passage around its highlighted ranges: `before` chars of
 * context ahead of the first range and up to `length` chars in all, cut at word boundaries,
 * with an ellipsis where text was dropped. Ranges are [start, end) into `text`.
 */
export function excerpt(text: string, ranges: Array<[number, number]>, before = 140, length = 420): ExcerptPart[] {
  const sorted = [...ranges].filter(([s, e]) => e > s && s >= 0 && e <= text.length).sort((a, b) => a[0] - b[0]);
  const anchor = sorted[0]?.[0] ?? 0;
  let start = Math.max(0, anchor - before);
  let end = Math.min(text.length, Math.max(start + length, sorted[0]?.[1] ?? 0));
  if (start > 0) start = wordStart(text, start, anchor);
  if (end < text.length) end = wordEnd(text, end);
  const parts: ExcerptPart[] = [];
  const push = (from: number, to: number, isMark: boolean) => {
    if (to > from) parts.push({ text: text.slice(from, to), isMark });
  };
  let at = start;
  for (const [s, e] of sorted) {
    if (e <= at || s >= end) continue;
    push(at, Math.max(at, s), false);
    push(Math.max(at, s), Math.min(e, end), true);
    at = Math.min(e, end);
  }
  push(at, end, false);
  if (start > 0) parts.unshift({ text: '… ', isMark: false });
  if (end < text.length) parts.push({ text: ' …', isMark: false });
  return parts;
}

function wordStart(text: string, from: number, limit: number): number {
  const space = text.indexOf(' ', from);
  return space >= 0 && space < limit ? space + 1 : from;
}

function wordEnd(text: string, from: number): number {
  const space = text.lastIndexOf(' ', from);
  return space > from - 40 ? space : from;
}

/**
 * The Library panel's note on one document: why it failed or was skipped, or how many passages
 * it gave and whether its words were read by OCR (a scan can misread, so it says so).
 */
export function documentNote(doc: { status: string; reason?: string; passages: number; ocrPages?: number }): string {
  if (doc.status !== 'done') return doc.reason ?? '';
  const passages = `${doc.passages} passage${doc.passages === 1 ? '' : 's'}`;
  if (!doc.ocrPages) return passages;
  return `${passages} · read by OCR (${doc.ocrPages} page${doc.ocrPages === 1 ? '' : 's'})`;
}

/** What a document's "page" is: a slide in a presentation, a chapter in an e-book, else a page. */
export function pageLabel(path: string, page: number): string {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  if (ext === '.pptx' || ext === '.odp') return `slide ${page}`;
  if (ext === '.epub') return `ch. ${page}`;
  return `p. ${page}`;
}
