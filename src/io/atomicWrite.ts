import { openSync, writeSync, writevSync, fsyncSync, closeSync, renameSync, unlinkSync, readdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { outputError } from './outputError.js';

/**
 * Write `chunks` to `path` atomically: write a temp file in the same directory, fsync,
 * then rename over the target. A crash or error midway leaves the old file (if any)
 * untouched and no partial file under `path`. Chunks are written as they are, so
 * callers can pass views of large tensor buffers without concatenating them first.
 */
export function atomicWriteFileSync(path: string, chunks: readonly Uint8Array[] | Uint8Array | string): void {
  const list: readonly (Uint8Array | string)[] = Array.isArray(chunks) ? chunks : [chunks as Uint8Array | string];
  try {
    writeViaTemp(path, list);
  } catch (e) {
    throw outputError(path, e, totalBytes(list));
  }
}

function totalBytes(list: readonly (Uint8Array | string)[]): number {
  let n = 0;
  for (const c of list) n += typeof c === 'string' ? Buffer.byteLength(c, 'utf8') : c.byteLength;
  return n;
}

function writeViaTemp(path: string, list: readonly (Uint8Array | string)[]): void {
  removeStaleTemps(path);
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeChunks(fd, list);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    safeUnlink(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    safeUnlink(tmp);
    throw e;
  }
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

/** A unique sibling temp name: `.name.<pid>.<random>.tmp`, hidden, same filesystem as the target. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  const target = basename(path);
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
