/** A code frame: where a diagnostic is, the source line, and a caret under the offending text. */

export interface CodeFrameInput {
  /** The file as the user should see it (relative to the working directory where possible). */
  readonly file: string;
  /** The whole source text of the file. */
  readonly text: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Characters under the caret; a span that runs past the line's end is cut there. At least one caret is drawn. */
  readonly length: number;
  /** e.g. `error TS2322`. */
  readonly label: string;
  readonly message: string;
}

/**
 * ```
 * model.ts:5:3 - error TS2322: Type 'string' is not assignable to type 'number'.
 *
 *   5 |   outChannels: 'x',
 *     |   ^^^^^^^^^^^
 * ```
 */
export function formatCodeFrame(f: CodeFrameInput): string {
  const lines = f.text.split(/\r?\n/);
  const src = lines[f.line - 1] ?? '';
  const gutter = String(f.line).length;
  const start = Math.max(0, Math.min(f.col - 1, src.length));
  const width = Math.max(1, Math.min(f.length, src.length - start));
  // keep tabs in the lead-in so the caret lines up under tab-indented code
  const lead = src.slice(0, start).replace(/[^\t]/g, ' ');
  const message = f.message.split('\n').join('\n    ');
  return [
    `${f.file}:${f.line}:${f.col} - ${f.label}: ${message}`,
    '',
    `  ${String(f.line)} | ${src}`,
    `  ${' '.repeat(gutter)} | ${lead}${'^'.repeat(width)}`,
  ].join('\n');
}
