import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWeightsFile } from './readFile.js';
import { expectNetforgeError } from '../../test/fixtures/weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-readfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readWeightsFile', () => {
  it('reads a regular file as a plain Uint8Array', () => {
    const p = join(dir, 'w.bin');
    writeFileSync(p, Uint8Array.of(1, 2, 3, 250));
    const b = readWeightsFile(p);
    expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
    expect([...b]).toEqual([1, 2, 3, 250]);
    writeFileSync(join(dir, 'empty.bin'), new Uint8Array(0));
    expect(readWeightsFile(join(dir, 'empty.bin')).length).toBe(0);
  });

  it('refuses missing paths and directories with E_WEIGHTS_IO', () => {
    expect(expectNetforgeError(() => readWeightsFile(join(dir, 'nope.pth')), 'E_WEIGHTS_IO').hint).toMatch(/does not exist/);
    expect(expectNetforgeError(() => readWeightsFile(dir), 'E_WEIGHTS_IO').hint).toMatch(/directory/);
  });

  it.skipIf(!existsSync('/dev/zero'))('refuses a character device instead of reading it forever', () => {
    const e = expectNetforgeError(() => readWeightsFile('/dev/zero'), 'E_WEIGHTS_IO');
    expect(e.file).toBe('/dev/zero');
    expect(e.hint).toMatch(/character device/);
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO without blocking, with or without a writer', async () => {
    const fifo = join(dir, 'pipe.pth');
    execFileSync('mkfifo', [fifo]);
    // No writer: a blocking open would hang here.
    expect(expectNetforgeError(() => readWeightsFile(fifo), 'E_WEIGHTS_IO').hint).toMatch(/FIFO/);
    // A writer that never finishes (like `cat /dev/zero > pipe`): still refused, not read.
    const writer = spawn('sh', ['-c', 'exec cat /dev/zero > "$1"', 'sh', fifo], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(expectNetforgeError(() => readWeightsFile(fifo), 'E_WEIGHTS_IO').hint).toMatch(/FIFO/);
    } finally {
      writer.kill();
    }
  });
});
