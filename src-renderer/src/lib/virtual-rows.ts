/** Which rows of a fixed-row-height list to render for a scroll position: [first, last) plus spacer heights. */
export interface RowWindow {
  first: number;
  last: number;
  /** Heights in px of the empty space above and below the rendered rows. */
  before: number;
  after: number;
}

/**
 * A virtual window over `count` rows of `rowHeight` px in a viewport of `viewport` px scrolled to
 * `scrollTop`, with `overscan` extra rows each side so fast scrolling shows no gaps. Rendering
 * 10,000 documents as DOM rows costs seconds; this keeps it to the ~20 on screen.
 */
export function rowWindow(count: number, rowHeight: number, viewport: number, scrollTop: number, overscan = 6): RowWindow {
  const first = Math.max(0, Math.min(count, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.max(first, Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan));
  return { first, last, before: first * rowHeight, after: (count - last) * rowHeight };
}
