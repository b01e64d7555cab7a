/**
 * Tidies text built from markup: trailing spaces go, runs of blank lines become one blank
 * line (the paragraph separator), and the ends are trimmed. Offsets are taken after this.
 */
export function tidyText(text: string): string {
  return text
    .replace(/[ \t\u00a0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
