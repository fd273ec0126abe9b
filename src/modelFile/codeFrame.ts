/** Code frames: where a diagnostic is, the source line, and a caret under the offending text. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { SourceLoc } from '../ir/types.js';

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
 * The two lines under a location, shared by type errors and DSL errors:
 * ```
 *   5 |   outChannels: 'x',
 *     |   ^^^^^^^^^^^
 * ```
 */
export function sourceFrame(text: string, line: number, col: number, length: number): string[] {
  const src = text.split(/\r?\n/)[line - 1] ?? '';
  const gutter = String(line).length;
  const start = Math.max(0, Math.min(col - 1, src.length));
  const width = Math.max(1, Math.min(length, src.length - start));
  // keep tabs in the lead-in so the caret lines up under tab-indented code
  const lead = src.slice(0, start).replace(/[^\t]/g, ' ');
  return [`  ${String(line)} | ${src}`, `  ${' '.repeat(gutter)} | ${lead}${'^'.repeat(width)}`];
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
  const message = f.message.split('\n').join('\n    ');
  return [`${f.file}:${f.line}:${f.col} - ${f.label}: ${message}`, '', ...sourceFrame(f.text, f.line, f.col, f.length)].join('\n');
}

/**
 * The span a DSL location points at: V8 reports a call at its callee's name (`conv2d`
 * in `conv2d(x, ...)`, `f` in `o.f()`), so the caret covers that identifier; one
 * character when the location is not at an identifier.
 */
export function spanAt(text: string, line: number, col: number): number {
  const src = text.split(/\r?\n/)[line - 1] ?? '';
  const m = /^[\p{L}\p{N}_$]+/u.exec(src.slice(Math.max(0, col - 1)));
  return m ? m[0].length : 1;
}

/** A path as the user should see it: relative to the working directory when it is inside it. */
export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/** Source files larger than this are not read for a frame (a location inside a bundle, say). */
const MAX_SOURCE_BYTES = 4 << 20;

/**
 * A code frame for a location in a file on disk, or undefined when the file cannot be read
 * (gone, too large, not a regular file) or the line does not exist. Never throws: a frame is
 * a courtesy on top of an error that is already being reported.
 */
export function frameFromDisk(loc: SourceLoc): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(loc.file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    const text = buf.subarray(0, off).toString('utf8');
    if (loc.line < 1 || loc.line > text.split(/\r?\n/).length) return undefined;
    return sourceFrame(text, loc.line, loc.col, spanAt(text, loc.line, loc.col));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
