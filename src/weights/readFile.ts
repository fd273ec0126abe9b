/**
 * Read a whole weights file into memory, turning filesystem errors into NetforgeErrors.
 * Readers work on one buffer so stored tensors can be zero-copy views into it.
 *
 * Only regular files are read: a character device (/dev/zero, /dev/urandom) never ends and
 * would grow the buffer until memory runs out, and a FIFO or socket blocks. The path is opened
 * with O_NONBLOCK (so opening a FIFO that has no writer does not hang) and the opened
 * descriptor is fstat'ed (so the check and the read see the same file, with no race).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { fail } from './fail.js';
import { isNetforgeError, type NetforgeError } from '../errors.js';

export function readWeightsFile(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw ioError(path, e, 'read');
  }
  try {
    const kind = nonFileKind(fstatSync(fd));
    if (kind !== undefined) {
      const hint = kind === 'a directory' ? 'the path is a directory; give the path of a file' : `${path} is ${kind}, not a file: give the path of a weights (or .npy) file`;
      throw fail('E_WEIGHTS_IO', path, `cannot read ${path}: it is ${kind}, not a regular file`, hint);
    }
    const b = readFileSync(fd);
    // A plain Uint8Array view: Buffer's slice() does not copy, which would surprise consumers of tensor data.
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    closeSync(fd);
  }
}

/** What a non-regular file is, in words; undefined for a regular file. */
function nonFileKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** Map a Node fs error to a user-facing error (code E_WEIGHTS_IO). */
export function ioError(path: string, e: unknown, verb: 'read' | 'write'): NetforgeError {
  if (isNetforgeError(e)) return e; // already explained (a non-regular file; an output write: E_OUTPUT_IO)
  const code = (e as { code?: unknown } | null)?.code;
  const hints: Record<string, string> = {
    ENOENT: verb === 'read' ? 'check the path; the file does not exist' : 'the directory does not exist; create it first',
    EACCES: 'check the file permissions',
    EISDIR: 'the path is a directory; give the path of a file',
    ERR_FS_FILE_TOO_LARGE: 'files over 2 GiB are not supported; convert the weights to safetensors shards',
  };
  const why = e instanceof Error ? e.message : String(e);
  return fail('E_WEIGHTS_IO', path, `cannot ${verb} ${path}: ${why}`, (typeof code === 'string' ? hints[code] : undefined) ?? 'check the path and permissions');
}
