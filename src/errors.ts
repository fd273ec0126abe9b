/**
 * User-facing errors. Anything the user can fix (a bad model definition, a corrupt
 * weights file, a wrong flag) is a NetforgeError: the CLI prints it without a stack
 * trace and exits 1 (2 for usage). Anything else is a bug in netforge.
 */

/** Where an error happened in the user's terms. */
export interface ErrorSite {
  /** Module path in PyTorch's words, e.g. `layer3.2.conv2`. */
  readonly modulePath?: string | undefined;
  /** The user's source location, `file:line:col`. */
  readonly loc?: string | undefined;
  /** A file the error is about (weights, .npy, .onnx). */
  readonly file?: string | undefined;
}

export interface NetforgeErrorInit extends ErrorSite {
  /** Stable machine-readable code, e.g. `E_SHAPE_MISMATCH`. Tests assert codes, not prose. */
  readonly code: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string | undefined;
  /** 1 for bad input (default), 2 for command-line usage. */
  readonly exitCode?: 1 | 2;
}

export class NetforgeError extends Error {
  readonly code: string;
  readonly modulePath: string | undefined;
  readonly loc: string | undefined;
  readonly file: string | undefined;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(init: NetforgeErrorInit) {
    super(init.message);
    this.name = 'NetforgeError';
    this.code = init.code;
    this.modulePath = init.modulePath;
    this.loc = init.loc;
    this.file = init.file;
    this.hint = init.hint;
    this.exitCode = init.exitCode ?? 1;
  }
}

export function isNetforgeError(e: unknown): e is NetforgeError {
  return e instanceof NetforgeError;
}

/** The text the CLI prints: what, where, how to fix. */
export function formatError(e: NetforgeError): string {
  const where: string[] = [];
  if (e.modulePath !== undefined) where.push(`in ${e.modulePath}`);
  if (e.loc !== undefined) where.push(`at ${e.loc}`);
  if (e.file !== undefined) where.push(`file ${e.file}`);
  let s = `error[${e.code}]: ${e.message}`;
  if (where.length > 0) s += `\n  --> ${where.join(', ')}`;
  if (e.hint !== undefined) s += `\n  help: ${e.hint}`;
  return s;
}
