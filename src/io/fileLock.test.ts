import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, lockPathFor } from './fileLock.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-lock-'));

describe('acquireLock', () => {
  test('creates the lock with our pid and removes it on release', () => {
    const lock = lockPathFor(join(dir, 'm.onnx'));
    expect(lock).toBe(join(dir, '.m.onnx.lock'));
    const release = acquireLock(lock);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);
  });
  test('a live owner is waited for, then ELOCKED', () => {
    const lock = join(dir, '.busy.lock');
    writeFileSync(lock, '12345');
    const t0 = Date.now();
    expect(() => acquireLock(lock, { timeoutMs: 60, alive: () => true })).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    expect(readFileSync(lock, 'utf8')).toBe('12345');
  });
  test('a dead owner\'s lock is taken over', () => {
    const lock = join(dir, '.stale.lock');
    writeFileSync(lock, '999999');
    const release = acquireLock(lock, { alive: (pid) => pid !== 999999 });
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });
  test('a lock still being created (no pid yet) is waited for, not taken over', () => {
    const lock = join(dir, '.fresh.lock');
    writeFileSync(lock, '');
    expect(() => acquireLock(lock, { timeoutMs: 20, alive: () => false })).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
  });
  test('an empty lock left for seconds (its creator died before writing its pid) is taken over', () => {
    const lock = join(dir, '.orphan.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 10_000);
    utimesSync(lock, old, old);
    const release = acquireLock(lock, { timeoutMs: 20 });
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });
});
