/**
 * Read a whole weights file into memory, turning filesystem errors into NetforgeErrors.
 * Readers work on one buffer so stored tensors can be zero-copy views into it.
 */
import { readFileSync } from 'node:fs';
import { fail } from './fail.js';
import { isNetforgeError, type NetforgeError } from '../errors.js';

export function readWeightsFile(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    // A plain Uint8Array view: Buffer's slice() does not copy, which would surprise consumers of tensor data.
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError(path, e, 'read');
  }
}

/** Map a Node fs error to a user-facing error (code E_WEIGHTS_IO). */
export function ioError(path: string, e: unknown, verb: 'read' | 'write'): NetforgeError {
  if (isNetforgeError(e)) return e; // already explained (an output write: E_OUTPUT_IO)
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
