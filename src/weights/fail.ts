/**
 * Error helpers for the weights readers, so every failure carries a stable code, the
 * file it is about, and a hint. Readers call these instead of `new NetforgeError`
 * inline to keep the messages consistent.
 */
import { NetforgeError, type ErrorCode } from '../errors.js';

export function fail(code: ErrorCode, file: string, message: string, hint: string): NetforgeError {
  return new NetforgeError({ code, file, message, hint });
}

const REEXPORT = 're-download or re-export the file; if it came from torch.save, save it again';

/** The file ends before a structure it declares. */
export function truncated(file: string, message: string): NetforgeError {
  return fail('E_WEIGHTS_TRUNCATED', file, message, `the file is incomplete (interrupted download or copy?); ${REEXPORT}`);
}

/** A structure is internally inconsistent. */
export function corrupt(file: string, message: string, hint?: string): NetforgeError {
  return fail('E_WEIGHTS_CORRUPT', file, message, hint ?? `the file is damaged; ${REEXPORT}`);
}
