import { describe, expect, test } from 'vitest';
import { EventEmitter } from 'node:events';
import { SIGPIPE_STATUS, exitQuietlyOnClosedPipe, wantsColor } from './main.js';

describe('wantsColor', () => {
  test('only on a terminal, and not when NO_COLOR is set to something', () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '' })).toBe(true); // no-color.org: empty means unset
  });
});

describe('exitQuietlyOnClosedPipe', () => {
  const errno = (code: string): Error => Object.assign(new Error(code), { code });
  test('EPIPE exits with the SIGPIPE status (141), silently', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
    const codes: number[] = [];
    exitQuietlyOnClosedPipe(stream, (c) => codes.push(c));
    stream.emit('error', errno('EPIPE'));
    expect(codes).toEqual([SIGPIPE_STATUS]);
    expect(SIGPIPE_STATUS).toBe(141);
  });
  test('any other stdout error (a full disk) is reported as E_OUTPUT_IO and exits 1, without a stack', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
    const codes: number[] = [];
    const reports: string[] = [];
    exitQuietlyOnClosedPipe(stream, (c) => codes.push(c), (t) => reports.push(t));
    stream.emit('error', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    expect(codes).toEqual([1]);
    expect(reports).toEqual([
      'error[E_OUTPUT_IO]: cannot write to standard output: ENOSPC: no space left on device\n  help: what was printed is incomplete; send the output where it can be written (a file on a filesystem with space, a pipe)\n',
    ]);
  });
  test('a failing stderr cannot report anything: its errors do not end the command', () => {
    const codes: number[] = [];
    const reports: string[] = [];
    exitQuietlyOnClosedPipe(process.stderr, (c) => codes.push(c), (t) => reports.push(t));
    const listener = process.stderr.listeners('error').at(-1) as (e: Error) => void;
    try {
      listener(errno('ENOSPC'));
      expect(codes).toEqual([]);
      expect(reports).toEqual([]);
    } finally {
      process.stderr.removeListener('error', listener);
    }
  });
});
