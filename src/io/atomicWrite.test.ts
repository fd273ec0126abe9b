import { describe, expect, test } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { errorOf } from '../../test/helpers/errors.js';
import { atomicWriteFileSync, atomicWriteFilesSync, removeStaleTemps, tempPathFor } from './atomicWrite.js';
import { lockPathFor } from './fileLock.js';

describe('atomicWriteFileSync', () => {
  test('writes chunks in order and leaves no temp file', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'a.bin');
    atomicWriteFileSync(p, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(d)).toEqual(['a.bin']);
  });
  test('many chunks (more than one writev batch) and strings keep their order', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'many.bin');
    const chunks: (Uint8Array | string)[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 2500; i++) {
      if (i % 7 === 0) {
        chunks.push(`s${i % 10}`);
        expected.push(...Buffer.from(`s${i % 10}`));
      } else {
        const c = new Uint8Array(i % 5).fill(i & 255);
        chunks.push(c);
        expected.push(...c);
      }
    }
    atomicWriteFileSync(p, chunks as Uint8Array[]);
    expect([...readFileSync(p)]).toEqual(expected);
  });
  test('a failure midway keeps the old file and removes the temp file', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'a.txt');
    writeFileSync(p, 'old');
    const bad = { byteLength: 10 } as unknown as Uint8Array; // not a buffer: writeSync throws
    expect(() => atomicWriteFileSync(p, [new Uint8Array([1]), bad])).toThrow();
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['a.txt']);
  });
  test('files written as a pair: both land, and the lock is gone', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    atomicWriteFilesSync([
      { path: join(d, 'm.onnx.data'), chunks: [new Uint8Array([1, 2, 3])] },
      { path: join(d, 'm.onnx'), chunks: 'model' },
    ]);
    expect([...readFileSync(join(d, 'm.onnx.data'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(d, 'm.onnx'), 'utf8')).toBe('model');
    expect(readdirSync(d).sort()).toEqual(['m.onnx', 'm.onnx.data']);
  });
  test('a pair whose second file fails to write changes neither target', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    writeFileSync(join(d, 'm.onnx.data'), 'old data');
    writeFileSync(join(d, 'm.onnx'), 'old model');
    const bad = { byteLength: 10 } as unknown as Uint8Array;
    expect(() =>
      atomicWriteFilesSync([
        { path: join(d, 'm.onnx.data'), chunks: [new Uint8Array([9])] },
        { path: join(d, 'm.onnx'), chunks: [bad] },
      ]),
    ).toThrow();
    expect(readFileSync(join(d, 'm.onnx.data'), 'utf8')).toBe('old data');
    expect(readFileSync(join(d, 'm.onnx'), 'utf8')).toBe('old model');
    expect(readdirSync(d).sort()).toEqual(['m.onnx', 'm.onnx.data']);
  });
  test('a directory that does not exist fails before anything is written', () => {
    const e = errorOf(() => atomicWriteFileSync('/nonexistent-dir-netforge/x.onnx', 'x'));
    expect(e).toMatchObject({ code: 'E_OUTPUT_IO', file: '/nonexistent-dir-netforge/x.onnx' });
    expect(e.message).toMatch(/its directory does not exist \[ENOENT\]/);
    expect(e.message).not.toMatch(/\.tmp/); // the user's path, not the hidden temp file
    expect(e.hint).toMatch(/create the directory/);
  });
  test('temp files of dead writers are removed; those of live ones and other targets are kept', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'm.onnx');
    const dead = join(d, '.m.onnx.999999.0123abcd.tmp'); // no such pid
    const live = tempPathFor(p); // this process
    const other = join(d, '.n.onnx.999999.0123abcd.tmp');
    for (const f of [dead, live, other]) writeFileSync(f, 'partial');
    expect(removeStaleTemps(p)).toBe(1);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
  test('a rewritten file keeps its permission bits (0600 stays 0600); a new file is 0644 less the umask', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'secret.onnx');
    writeFileSync(p, 'old');
    chmodSync(p, 0o600);
    atomicWriteFileSync(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(statSync(p).mode & 0o7777).toBe(0o600);
    atomicWriteFileSync(join(d, 'fresh.onnx'), 'x');
    expect(statSync(join(d, 'fresh.onnx')).mode & 0o777).toBe(0o644 & ~process.umask());
  });
  test('through a symbolic link the file it points to is replaced, and the link survives', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    mkdirSync(join(d, 'real'));
    writeFileSync(join(d, 'real', 'm.html'), 'old');
    symlinkSync(join('real', 'm.html'), join(d, 'link.html'));
    atomicWriteFileSync(join(d, 'link.html'), 'new');
    expect(lstatSync(join(d, 'link.html')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'real', 'm.html'), 'utf8')).toBe('new');
    expect(readdirSync(join(d, 'real'))).toEqual(['m.html']);
  });
  test('a FIFO or a device is refused and stays what it was', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const fifo = join(d, 'out.fifo');
    spawnSync('mkfifo', [fifo]);
    expect(errorOf(() => atomicWriteFileSync(fifo, 'x'))).toMatchObject({ code: 'E_OUTPUT_NOT_FILE', exitCode: 2 });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    // a link to /dev/null, never /dev/null itself: code that renamed over it would replace only the link
    symlinkSync('/dev/null', join(d, 'null-link'));
    expect(errorOf(() => atomicWriteFileSync(join(d, 'null-link'), 'x'))).toMatchObject({ code: 'E_OUTPUT_NOT_FILE' });
    expect(lstatSync(join(d, 'null-link')).isSymbolicLink()).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['null-link', 'out.fifo']);
  });
  test('a 250-byte file name (legal) is written: temp and lock names are shortened to fit', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const name = `${'n'.repeat(245)}.onnx`;
    atomicWriteFilesSync([
      { path: join(d, `${name.slice(0, 200)}.data`), chunks: 'data' },
      { path: join(d, name), chunks: 'model' },
    ]);
    expect(readFileSync(join(d, name), 'utf8')).toBe('model');
    expect(readdirSync(d).sort()).toEqual([`${name.slice(0, 200)}.data`, name]);
    expect(Buffer.byteLength(basename(tempPathFor(join(d, name))))).toBeLessThanOrEqual(255);
  });
  test('commit hooks run under the lock, around the renames', () => {
    const d = mkdtempSync(join(tmpdir(), 'nf-atomic-'));
    const p = join(d, 'm.onnx');
    writeFileSync(p, 'old');
    const seen: string[] = [];
    atomicWriteFilesSync([{ path: p, chunks: 'new' }], {
      before: () => seen.push(`before: ${readFileSync(p, 'utf8')}, locked ${existsSync(lockPathFor(p))}`),
      after: () => seen.push(`after: ${readFileSync(p, 'utf8')}, locked ${existsSync(lockPathFor(p))}`),
    });
    expect(seen).toEqual(['before: old, locked true', 'after: new, locked true']);
    expect(existsSync(lockPathFor(p))).toBe(false);
  });
});
