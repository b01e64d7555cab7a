/**
 * Tidies text built from markup: trailing spaces go, runs of blank lines become one blank
 * line (the paragraph separator), and the ends are trimmed. Offsets are taken after this.
 */
export function tidyText(text: string): string {
  return stripLineEnds(text).replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * Spaces, tabs and no-break spaces before each newline, removed in one pass. A regex such as
 * /[ \t]+\n/ retries from every char of a run that no newline ends: quadratic in the run, and
 * a file of thousands of deeply indented lines then takes minutes.
 */
function stripLineEnds(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    let end = line.length;
    while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
    if (end < line.length) lines[i] = line.slice(0, end);
  }
  return lines.join('\n');
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0;
}
