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
  test('any other stream error is not swallowed', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
    exitQuietlyOnClosedPipe(stream, () => undefined);
    expect(() => stream.emit('error', errno('EIO'))).toThrow('EIO');
  });
});
