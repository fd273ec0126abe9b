import { describe, expect, test } from 'vitest';
import { chmodSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf } from '../../test/helpers/errors.js';
import { assertWritable, resolveOutput } from './outputTarget.js';

const fresh = (): string => realpathSync(mkdtempSync(join(tmpdir(), 'nf-target-')));
const mkfifo = (p: string): void => void spawnSync('mkfifo', [p]);

describe('resolveOutput: what writing an output path means', () => {
  test('a new path is created; a regular file is replaced keeping its permission bits', () => {
    const d = fresh();
    expect(resolveOutput(join(d, 'new.onnx'))).toEqual({ path: join(d, 'new.onnx') });
    writeFileSync(join(d, 'old.onnx'), 'x');
    chmodSync(join(d, 'old.onnx'), 0o600);
    expect(resolveOutput(join(d, 'old.onnx'))).toEqual({ path: join(d, 'old.onnx'), mode: 0o600 });
  });
  test('a symbolic link to a regular file writes the file it resolves to (the link survives)', () => {
    const d = fresh();
    writeFileSync(join(d, 'real.html'), 'x');
    symlinkSync('real.html', join(d, 'link.html'));
    symlinkSync(join(d, 'link.html'), join(d, 'link2.html'));
    expect(resolveOutput(join(d, 'link2.html'))).toEqual({ path: join(d, 'real.html'), mode: statSync(join(d, 'real.html')).mode & 0o7777 });
  });
  test('devices, FIFOs, links to them, dangling links and link loops are refused (exit 2)', () => {
    const d = fresh();
    mkfifo(join(d, 'fifo'));
    symlinkSync('/dev/null', join(d, 'null-link'));
    symlinkSync(join(d, 'nowhere'), join(d, 'dangling'));
    symlinkSync(join(d, 'loop-b'), join(d, 'loop-a'));
    symlinkSync(join(d, 'loop-a'), join(d, 'loop-b'));
    const cases: [string, RegExp][] = [
      ['/dev/null', /is a character device, not a regular file/],
      [join(d, 'fifo'), /is a FIFO \(named pipe\)/],
      [join(d, 'null-link'), /is a symbolic link to a character device/],
      [join(d, 'dangling'), /a symbolic link to nothing/],
      [join(d, 'loop-a'), /a loop of symbolic links/],
    ];
    for (const [p, why] of cases) {
      const e = errorOf(() => resolveOutput(p));
      expect(e).toMatchObject({ code: 'E_OUTPUT_NOT_FILE', exitCode: 2, file: p });
      expect(e.message).toMatch(why);
    }
  });
  test('a directory stays E_OUTPUT_IO (EISDIR), also through a link', () => {
    const d = fresh();
    symlinkSync(d, join(d, 'dir-link'));
    for (const p of [d, join(d, 'dir-link')]) expect(errorOf(() => resolveOutput(p))).toMatchObject({ code: 'E_OUTPUT_IO', message: expect.stringContaining('[EISDIR]') });
  });
});

describe('assertWritable', () => {
  test('a missing directory and a directory as the output fail before any work; a new file in a writable directory passes', () => {
    expect(() => assertWritable('/nonexistent-dir-netforge/m.onnx')).toThrow(expect.objectContaining({ code: 'E_OUTPUT_IO', message: expect.stringContaining('[ENOENT]') }));
    expect(() => assertWritable(tmpdir())).toThrow(expect.objectContaining({ code: 'E_OUTPUT_IO', message: expect.stringContaining('[EISDIR]') }));
    expect(() => assertWritable(join(tmpdir(), 'new-model.onnx'))).not.toThrow();
    expect(() => assertWritable('/dev/full')).toThrow(expect.objectContaining({ code: 'E_OUTPUT_NOT_FILE' }));
  });
});
