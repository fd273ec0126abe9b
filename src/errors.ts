/**
 * User-facing errors. Anything the user can fix (a bad model definition, a corrupt
 * weights file, a wrong flag) is a NetforgeError: the CLI prints it without a stack
 * trace and exits 1 (2 for usage). Anything else is a bug in netforge.
 *
 * An error is a diagnostic as data: a code from ERROR_CODES, what is wrong, where (module
 * path, the user's source location, a file), how to fix it, related locations (a duplicate
 * module's first definition), and the model option it is about, so the command line can
 * name its flag. Formatting lives here, in one place.
 */
import type { SourceLoc } from './ir/types.js';
import type { ErrorCode } from './errorCodes.js';
import { printable, printableLines } from './printable.js';

export type { ErrorCode } from './errorCodes.js';
export type { SourceLoc } from './ir/types.js';

/**
 * Model options a command line can set. An error about one of them (raised while a zoo
 * model is built from flags) is the flag's fault: the CLI names the flag.
 */
export const MODEL_OPTION_NAMES = ['numClasses', 'replaceStrideWithDilation', 'zeroInitResidual', 'input', 'auxLoss'] as const;
export type ModelOptionName = (typeof MODEL_OPTION_NAMES)[number];

export function isModelOptionName(s: string): s is ModelOptionName {
  return (MODEL_OPTION_NAMES as readonly string[]).includes(s);
}

/** Another place that explains the error, e.g. where a duplicated module was first defined. */
export interface RelatedLocation {
  readonly message: string;
  readonly loc: SourceLoc;
}

/** Where an error happened in the user's terms. */
export interface ErrorSite {
  /** Module path in PyTorch's words, e.g. `layer3.2.conv2`. */
  readonly modulePath?: string | undefined;
  /** The user's source location. */
  readonly loc?: SourceLoc | undefined;
  /** A file the error is about (weights, .npy, .onnx). */
  readonly file?: string | undefined;
}

export interface NetforgeErrorInit extends ErrorSite {
  /** Stable machine-readable code, e.g. `E_SHAPE_MISMATCH`. Tests assert codes, not prose. */
  readonly code: ErrorCode;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string | undefined;
  /** Other places worth showing (each printed with its own code frame). */
  readonly related?: readonly RelatedLocation[] | undefined;
  /** The model option the error is about, when a caller may have set it from a flag. */
  readonly option?: ModelOptionName | undefined;
  /** The message already shows its code frames (a type error lists every diagnostic's); formatError draws none. */
  readonly framed?: boolean;
  /** 1 for bad input (default), 2 for command-line usage. */
  readonly exitCode?: 1 | 2;
}

export class NetforgeError extends Error {
  readonly code: ErrorCode;
  readonly modulePath: string | undefined;
  readonly loc: SourceLoc | undefined;
  readonly file: string | undefined;
  readonly hint: string | undefined;
  readonly related: readonly RelatedLocation[];
  readonly option: ModelOptionName | undefined;
  readonly framed: boolean;
  readonly exitCode: 1 | 2;

  constructor(init: NetforgeErrorInit) {
    super(init.message);
    this.name = 'NetforgeError';
    this.code = init.code;
    this.modulePath = init.modulePath;
    this.loc = init.loc;
    this.file = init.file;
    this.hint = init.hint;
    this.related = init.related ?? [];
    this.option = init.option;
    this.framed = init.framed ?? false;
    this.exitCode = init.exitCode ?? 1;
  }
}

/** Whether `e` is an error a user or a data file caused (print it with formatError). */
export function isNetforgeError(e: unknown): e is NetforgeError {
  return e instanceof NetforgeError;
}

/** `file:line:col`, the one way a location is written. */
export function formatLoc(loc: SourceLoc): string;
export function formatLoc(loc: SourceLoc | undefined): string | undefined;
export function formatLoc(loc: SourceLoc | undefined): string | undefined {
  return loc === undefined ? undefined : `${loc.file}:${loc.line}:${loc.col}`;
}

/** The source lines under a location (a code frame), or nothing when the source cannot be shown. */
export type FrameSource = (loc: SourceLoc) => readonly string[] | undefined;

export interface FormatErrorOptions {
  /** Draws code frames; without it locations are printed as text only. */
  readonly frame?: FrameSource;
  /** How a location's file is shown (e.g. relative to the working directory). Default: as is. */
  readonly displayPath?: (file: string) => string;
}

/**
 * The text the CLI prints: what, where (with a code frame when the source is at hand),
 * related locations, how to fix. Messages quote names from data files, so control characters
 * other than line breaks are escaped here (see printable.ts; the readers escape line breaks
 * inside the names they quote).
 *
 * ```
 * error[E_SHAPE_MISMATCH]: Add got operands of shapes ... which do not match
 *   --> in layer2.0.add, at model.ts:6:15
 *
 *   6 |   const y = add(a, b);
 *     |             ^^^
 *   help: a residual add needs ...
 * ```
 */
export function formatError(e: NetforgeError, o: FormatErrorOptions = {}): string {
  const show = (loc: SourceLoc): string => printable(formatLoc({ ...loc, file: o.displayPath ? o.displayPath(loc.file) : loc.file }));
  const where: string[] = [];
  if (e.modulePath !== undefined) where.push(`in ${printable(e.modulePath)}`);
  if (e.loc !== undefined) where.push(`at ${show(e.loc)}`);
  if (e.file !== undefined) where.push(`file ${printable(e.file)}`);
  const lines = [`error[${e.code}]: ${printableLines(e.message)}`];
  if (where.length > 0) lines.push(`  --> ${where.join(', ')}`);
  const frame = (loc: SourceLoc | undefined): void => {
    const f = loc !== undefined && !e.framed ? o.frame?.(loc) : undefined;
    if (f !== undefined && f.length > 0) lines.push('', ...f);
  };
  frame(e.loc);
  for (const r of e.related) {
    lines.push(`  note: ${printableLines(r.message)}, at ${show(r.loc)}`);
    frame(r.loc);
  }
  if (e.hint !== undefined) lines.push(`  help: ${printableLines(e.hint)}`);
  return lines.join('\n');
}
