/**
 * What an output path names, and so what writing it means. netforge writes every output
 * atomically (a temp file beside it, renamed over it), which is only right for a regular
 * file; the rule for everything else:
 *
 * - nothing there: a new file is created;
 * - a regular file: it is replaced, keeping its permission bits (a 0600 file stays 0600);
 * - a symbolic link to a regular file: the file it resolves to is replaced (in that file's
 *   directory), so the link survives and still points at the new content;
 * - a directory: E_OUTPUT_IO (EISDIR), as before;
 * - a character or block device (/dev/null, /dev/full, a disk), a FIFO, a socket, a
 *   symbolic link to one of those (/dev/stdout on a terminal or a pipe), or a symbolic link
 *   that leads nowhere (dangling, or a loop): refused, E_OUTPUT_NOT_FILE, exit 2, before
 *   anything is computed. A rename would replace the device node itself with a regular file
 *   (turning /dev/null into a 1 MB file) and writing through would give up atomicity: a
 *   reader of a pipe would see a partial output when the write fails halfway.
 */
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { NetforgeError } from '../errors.js';
import { outputError } from './outputError.js';

export interface OutputTarget {
  /** The path to replace: the output itself, or the regular file a symbolic link at it resolves to. */
  readonly path: string;
  /** Permission bits of the regular file being replaced (kept by the new file); absent for a new file. */
  readonly mode?: number;
}

/** What a non-regular file is, in words (undefined for a regular file). */
export function fileKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

const errnoOf = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

function notAFile(path: string, what: string): NetforgeError {
  return new NetforgeError({
    code: 'E_OUTPUT_NOT_FILE',
    message: `cannot write the output to ${path}: it is ${what}, not a regular file`,
    file: path,
    hint: 'give the path of a regular file or a new one: outputs are written to a temp file and renamed into place (so a failed run leaves no partial output), which a device, FIFO or socket cannot take',
    exitCode: 2,
  });
}

/** Where writing `path` goes (see the file comment); throws for what must not be written. */
export function resolveOutput(path: string): OutputTarget {
  let l: Stats;
  try {
    l = lstatSync(path);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return { path };
    throw outputError(path, e);
  }
  if (l.isFile()) return { path, mode: l.mode & 0o7777 };
  if (l.isDirectory()) throw outputError(path, Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' }));
  if (!l.isSymbolicLink()) throw notAFile(path, fileKind(l)!);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT' || code === 'ELOOP') throw notAFile(path, code === 'ELOOP' ? 'a loop of symbolic links' : 'a symbolic link to nothing (dangling)');
    throw outputError(path, e);
  }
  if (st.isDirectory()) throw outputError(path, Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' }));
  if (!st.isFile()) throw notAFile(path, `a symbolic link to ${fileKind(st)!}`);
  return { path: realpathSync(path), mode: st.mode & 0o7777 };
}

/**
 * Fail early if `path` cannot be written: it names something that is not a regular file
 * (E_OUTPUT_NOT_FILE), or a directory, or its directory is missing or not writable
 * (E_OUTPUT_IO). The file itself need not be writable: it is replaced by a rename, which only
 * needs the directory. Commands call it for every output before doing the work, so a compile
 * does not run for seconds and then fail on the second of two outputs.
 */
export function assertWritable(path: string): OutputTarget {
  const t = resolveOutput(path);
  try {
    accessSync(dirname(t.path), constants.W_OK);
  } catch (e) {
    throw outputError(path, e);
  }
  return t;
}
