/**
 * Read a whole weights file into memory, turning filesystem errors into NetforgeErrors.
 * Readers work on one buffer so stored tensors can be zero-copy views into it.
 *
 * Only regular files are read: a character device (/dev/zero, /dev/urandom) never ends and
 * would grow the buffer until memory runs out, and a FIFO or socket blocks. The path is opened
 * with O_NONBLOCK (so opening a FIFO that has no writer does not hang) and the opened
 * descriptor is fstat'ed (so the check and the read see the same file, with no race).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { fail } from './fail.js';
import { fileKind } from '../io/outputTarget.js';
import { isNetforgeError, type NetforgeError } from '../errors.js';

export function readWeightsFile(path: string): Uint8Array {
  return withRegularFile(path, (fd, size) => {
    if (size > MAX_BYTES) {
      throw fail(
        'E_WEIGHTS_IO',
        path,
        `cannot read ${path}: it has ${size} bytes, and netforge holds a weights file in memory in one piece of at most ${MAX_BYTES} bytes`,
        'no ResNet needs this much (wide_resnet101_2 is 507 MB in float32): check that this is the right file, or save the state dict in half precision (model.half().state_dict())',
      );
    }
    if (size > READ_CHUNK) return readLarge(fd, size);
    const b = readFileSync(fd);
    // A plain Uint8Array view: Buffer's slice() does not copy, which would surprise consumers of tensor data.
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  });
}

/**
 * The first bytes of a file (`bytes(size)` of them, given the file's size), and its size:
 * for reading a header without the data behind it. The same checks as readWeightsFile.
 */
export function readFileHead(path: string, bytes: (size: number) => number): { readonly head: Uint8Array; readonly size: number } {
  return withRegularFile(path, (fd, size) => {
    const head = new Uint8Array(Math.max(0, Math.min(size, bytes(size))));
    let got = 0;
    while (got < head.length) {
      const n = readSync(fd, head, got, head.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { head: head.subarray(0, got), size };
  });
}

/** Open `path` (a regular file, else E_WEIGHTS_IO) and hand its descriptor and size to `read`. */
function withRegularFile<T>(path: string, read: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw ioError(path, e, 'read');
  }
  try {
    const st = fstatSync(fd);
    const kind = fileKind(st);
    if (kind !== undefined) {
      const hint = kind === 'a directory' ? 'the path is a directory; give the path of a file' : `${path} is ${kind}, not a file: give the path of a weights (or .npy) file`;
      throw fail('E_WEIGHTS_IO', path, `cannot read ${path}: it is ${kind}, not a regular file`, hint);
    }
    return read(fd, st.size);
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    closeSync(fd);
  }
}

/** The largest typed array this Node can allocate (4 GiB on 64-bit Node 20). */
const MAX_BYTES = bufferConstants.MAX_LENGTH;
/** readFileSync refuses files over 2 GiB; larger ones are read in pieces of this size. */
const READ_CHUNK = 2 ** 31 - 1;

/** A file over 2 GiB, read into one buffer piece by piece. */
function readLarge(fd: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, out, off, Math.min(1 << 30, size - off), off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? out : out.subarray(0, off);
}

/** Map a Node fs error to a user-facing error (code E_WEIGHTS_IO). */
export function ioError(path: string, e: unknown, verb: 'read' | 'write'): NetforgeError {
  if (isNetforgeError(e)) return e; // already explained (a non-regular file; an output write: E_OUTPUT_IO)
  const code = (e as { code?: unknown } | null)?.code;
  const hints: Record<string, string> = {
    ENOENT: verb === 'read' ? 'check the path; the file does not exist' : 'the directory does not exist; create it first',
    EACCES: 'check the file permissions',
    EISDIR: 'the path is a directory; give the path of a file',
  };
  const why = e instanceof Error ? e.message : String(e);
  return fail('E_WEIGHTS_IO', path, `cannot ${verb} ${path}: ${why}`, (typeof code === 'string' ? hints[code] : undefined) ?? 'check the path and permissions');
}
