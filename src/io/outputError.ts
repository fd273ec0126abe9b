/**
 * Filesystem failures while writing an output (the ONNX model, its external data, a report,
 * a converted weights file) as user errors: the output path (never the hidden temp file),
 * the system's reason, and what to do about it. A full disk, a missing or read-only
 * directory are the user's to fix, not bugs, so no stack trace.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetforgeError, isNetforgeError } from '../errors.js';

/** What each errno means for an output, and how to fix it. */
const REASONS: Readonly<Record<string, { readonly why: string; readonly hint: string }>> = {
  ENOENT: { why: 'its directory does not exist', hint: 'create the directory first, or write into an existing one' },
  ENOTDIR: { why: 'a component of the path is not a directory', hint: 'check the path' },
  EACCES: { why: 'permission denied', hint: 'write to a directory you can write to, or fix its permissions (netforge writes a temp file beside the output, then renames it)' },
  EPERM: { why: 'operation not permitted', hint: 'write to a directory you can write to, or fix its permissions' },
  EROFS: { why: 'the filesystem is read-only', hint: 'write to a path on a writable filesystem' },
  EISDIR: { why: 'the path is a directory', hint: 'give the path of a file in it' },
  ENOSPC: { why: 'no space left on the device', hint: 'free some space or write to another filesystem; the previous file, if any, is untouched' },
  EDQUOT: { why: 'disk quota exceeded', hint: 'free some space within your quota or write elsewhere; the previous file, if any, is untouched' },
  EFBIG: { why: 'the file is too large for this filesystem', hint: 'write to a filesystem that allows large files, or use --external-data' },
  ENAMETOOLONG: { why: 'the file name is too long', hint: 'use a shorter path' },
  ELOCKED: { why: 'another process has been writing it for 30 s', hint: 'wait for the other netforge process; if none is running, remove the .<name>.lock file beside the output' },
};

/** `n` bytes in human units (MB = 10^6 bytes, as `ls -h --si` and disk vendors count). */
function megabytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

/** Free bytes for unprivileged writers on the filesystem holding `dir`, or undefined if unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * A NetforgeError (E_OUTPUT_IO) for an fs error `e` raised while writing `path` (`bytes`
 * long). Errors that are not filesystem errors (no errno code) are returned unchanged:
 * those are bugs and should surface as such.
 */
export function outputError(path: string, e: unknown, bytes?: number): unknown {
  if (isNetforgeError(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return e;
  let known = REASONS[code];
  // ENOENT on an existing directory: it takes no new files (a virtual filesystem such as /proc)
  if (code === 'ENOENT' && existsSync(dirname(path))) known = { why: 'its directory does not accept new files', hint: 'write into an ordinary directory' };
  let why = known?.why ?? ((e as Error).message.split(',')[0] ?? code);
  if (code === 'ENOSPC' && bytes !== undefined) {
    const free = freeBytes(dirname(path));
    why += ` (the output is ${megabytes(bytes)}${free !== undefined ? `, ${megabytes(free)} free there` : ''})`;
  }
  return new NetforgeError({
    code: 'E_OUTPUT_IO',
    file: path,
    message: `cannot write ${path}: ${why} [${code}]`,
    hint: known?.hint ?? 'check the path, its directory and the free space',
  });
}
