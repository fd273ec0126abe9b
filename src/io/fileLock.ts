/**
 * A lock file beside an output (`.<name>.lock`, created with O_EXCL, holding the owner's
 * pid), for the short critical section in which netforge renames a model and its external
 * data into place. A lock whose owner is no longer running (killed while holding it) is
 * taken over; a live owner is waited for, briefly: the section is two renames.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { siblingName } from './siblingName.js';

/** `.<name>.lock` in the same directory (`name` shortened if the whole would pass NAME_MAX). */
export function lockPathFor(path: string): string {
  return join(dirname(path), siblingName(basename(path), '.', '.lock'));
}

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Whether a pid is a running process (default: signal 0). */
  readonly alive?: (pid: number) => boolean;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Whether `pid` is a running process (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock; returns the function that releases it. Throws (an fs error or a timeout Error with code ELOCKED) if it cannot. */
export function acquireLock(lock: string, o: LockOptions = {}): () => void {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  const alive = o.alive ?? processAlive;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fd = openSync(lock, 'wx', 0o644);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          // removed by someone who judged us dead: nothing to release
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = ownerOf(lock);
    // An empty file is a lock being created right now (pid not yet written): wait for it,
    // unless it has stayed empty for a while (its creator died between open and write).
    if (owner !== undefined && owner !== process.pid && !alive(owner)) {
      takeOver(lock, owner);
      continue;
    }
    if (owner === undefined && ageMs(lock) > EMPTY_LOCK_STALE_MS) {
      takeOver(lock, undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw Object.assign(new Error(`${lock} is held by process ${owner ?? '?'}`), { code: 'ELOCKED' });
    }
    Atomics.wait(sleeper, 0, 0, wait);
  }
}

function ownerOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** An empty lock older than this was left by a process killed while creating it. */
const EMPTY_LOCK_STALE_MS = 2_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Remove a dead owner's lock, unless it changed hands meanwhile (then the next attempt sorts it out). */
function takeOver(lock: string, deadOwner: number | undefined): void {
  if (ownerOf(lock) !== deadOwner) return;
  try {
    unlinkSync(lock);
  } catch {
    // gone already
  }
}
