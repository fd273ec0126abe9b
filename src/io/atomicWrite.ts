import { openSync, writeSync, writevSync, fsyncSync, fchmodSync, closeSync, renameSync, unlinkSync, readdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { outputError } from './outputError.js';
import { acquireLock, lockPathFor, processAlive } from './fileLock.js';
import { guardSignals } from './signalGuard.js';
import { resolveOutput } from './outputTarget.js';
import { fitName } from './siblingName.js';

/** What one output file holds: chunks written in order (views of tensor buffers, no concatenation). */
export type Chunks = readonly Uint8Array[] | Uint8Array | string;

/**
 * Write `chunks` to `path` atomically: write a temp file in the same directory, fsync,
 * then rename over the target. A crash or error midway leaves the old file (if any)
 * untouched and no partial file under `path`. Chunks are written as they are, so
 * callers can pass views of large tensor buffers without concatenating them first.
 */
export function atomicWriteFileSync(path: string, chunks: Chunks): void {
  atomicWriteFilesSync([{ path, chunks }]);
}

/** One output file of a command: where (as the user named it) and what it holds. */
export interface OutputFile {
  readonly path: string;
  readonly chunks: Chunks;
}

/** Work done under the lock of a multi-file write, around its renames. */
export interface CommitHooks {
  /** Before the first rename (e.g. read what the old files refer to). */
  readonly before?: () => void;
  /** After the last rename (e.g. remove files nothing refers to any more). */
  readonly after?: () => void;
}

/**
 * Write files that belong together (an ONNX model, its external data, its typed wrapper) so
 * that they change together or not at all: every temp file is written and fsynced first (a
 * failure then leaves every target as it was: a full disk on the last file changes none),
 * and the renames happen under a lock on the last file, the one that refers to the others,
 * in the order given (that file last). Two processes writing the same files therefore never
 * interleave their renames: the result is one writer's complete set. Each path is resolved
 * first (resolveOutput): a symbolic link to a regular file writes that file, anything else
 * that is not a regular file is refused, and a replaced file keeps its permission bits.
 * Left open: a process killed in the microseconds between its renames (SIGKILL, power
 * loss) leaves the files renamed so far beside the older rest.
 */
export function atomicWriteFilesSync(files: readonly OutputFile[], hooks: CommitHooks = {}): void {
  const targets = files.map((f) => resolveOutput(f.path));
  const temps: { tmp: string; path: string; shown: string }[] = [];
  // Ctrl-C during the write waits for it (then the process stops), instead of leaving a temp file.
  const unguard = guardSignals(() => temps.map((t) => t.tmp), safeUnlink);
  try {
    files.forEach((f, i) => {
      const list = listOf(f.chunks);
      const t = targets[i]!;
      try {
        temps.push({ tmp: writeTemp(t.path, list, t.mode), path: t.path, shown: f.path });
      } catch (e) {
        throw outputError(f.path, e, totalBytes(list));
      }
    });
    const last = temps[temps.length - 1];
    if (last === undefined) return;
    let release = (): void => {};
    if (files.length > 1 || hooks.before !== undefined || hooks.after !== undefined) {
      try {
        release = acquireLock(lockPathFor(last.path));
      } catch (e) {
        throw outputError(last.shown, e);
      }
    }
    try {
      hooks.before?.();
      while (temps.length > 0) {
        const t = temps[0]!;
        try {
          renameSync(t.tmp, t.path);
        } catch (e) {
          throw outputError(t.shown, e);
        }
        temps.shift();
      }
      hooks.after?.();
    } finally {
      release();
    }
  } finally {
    for (const t of temps) safeUnlink(t.tmp);
    unguard();
  }
}

const listOf = (chunks: Chunks): readonly (Uint8Array | string)[] => (Array.isArray(chunks) ? chunks : [chunks as Uint8Array | string]);

function totalBytes(list: readonly (Uint8Array | string)[]): number {
  let n = 0;
  for (const c of list) n += typeof c === 'string' ? Buffer.byteLength(c, 'utf8') : c.byteLength;
  return n;
}

/**
 * Write and fsync a temp sibling of `path`; returns its name. On failure nothing is left
 * behind. `mode`: the permission bits of the file it will replace, which it takes over
 * exactly (a new file is 0644 less the umask).
 */
function writeTemp(path: string, list: readonly (Uint8Array | string)[], mode: number | undefined): string {
  removeStaleTemps(path);
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', mode ?? 0o644);
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    writeChunks(fd, list);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    safeUnlink(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Linux's IOV_MAX: at most this many buffers per writev call. */
const IOV_BATCH = 1024;
/**
 * Bytes per writev/write call. Node reports a syscall's byte count as a 32-bit int, so a
 * call over 2 GiB comes back as a bogus "unknown system error" (seen with a 2.4 GB batch);
 * Linux itself writes at most 0x7ffff000 bytes per call anyway.
 */
const MAX_CALL_BYTES = 1 << 30;

/**
 * Write the chunks in order, up to IOV_BATCH per writev call: an ONNX model is ~4 chunks
 * per tensor (header, length, data), and one syscall per chunk cost ~9 ms per thousand
 * chunks here (see BENCHMARKS.md).
 */
function writeChunks(fd: number, list: readonly (Uint8Array | string)[]): void {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = (): void => {
    if (batch.length > 0) writevAll(fd, batch);
    batch = [];
    batchBytes = 0;
  };
  for (const c of list) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    if (b.byteLength === 0) continue;
    if (b.byteLength >= MAX_CALL_BYTES) {
      flush();
      writeAll(fd, b);
      continue;
    }
    if (batchBytes + b.byteLength > MAX_CALL_BYTES) flush();
    batch.push(b);
    batchBytes += b.byteLength;
    if (batch.length === IOV_BATCH) flush();
  }
  flush();
}

/** writev, then finish whatever a short write left (e.g. after a signal) buffer by buffer. */
function writevAll(fd: number, bufs: readonly Uint8Array[]): void {
  let written = writevSync(fd, bufs as Uint8Array[]);
  for (const b of bufs) {
    if (written >= b.byteLength) {
      written -= b.byteLength;
      continue;
    }
    writeAll(fd, written > 0 ? b.subarray(written) : b);
    written = 0;
  }
}

function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.byteLength) off += writeSync(fd, buf, off, Math.min(buf.byteLength - off, MAX_CALL_BYTES));
}

/** Bytes a temp name adds to the target's name: `.` + `.<pid, up to 10 digits>.<8 hex>.tmp`. */
const TEMP_RESERVE = 1 + 1 + 10 + 1 + 8 + 4;

/**
 * A unique sibling temp name: `.name.<pid>.<random>.tmp`, hidden, same filesystem as the
 * target (`name` shortened when the whole would pass NAME_MAX, see fitName).
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${fitName(basename(path), TEMP_RESERVE)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * A process killed while writing (SIGKILL, power loss) leaves its temp file behind; the
 * next write of the same target removes temp files whose writer is no longer running.
 * Temp files of live writers (a concurrent compile into the same output) are left alone.
 */
export function removeStaleTemps(path: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return 0;
  }
  const target = fitName(basename(path), TEMP_RESERVE);
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (!m || m[1] !== target) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    safeUnlink(join(dirname(path), n));
    removed++;
  }
  return removed;
}
