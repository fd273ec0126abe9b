import { describe, expect, test } from 'vitest';
import { formatCodeFrame } from './codeFrame.js';

const text = ['const a = 1;', "  const b: number = 'x';", '\tconst c = 3;'].join('\n');

describe('formatCodeFrame', () => {
  test('location, source line, caret under the span', () => {
    const f = formatCodeFrame({ file: 'm.ts', text, line: 2, col: 9, length: 1, label: 'error TS2322', message: 'bad' });
    expect(f.split('\n')).toEqual(['m.ts:2:9 - error TS2322: bad', '', "  2 |   const b: number = 'x';", '    |         ^']);
  });

  test('a span past the end of the line stops there', () => {
    const f = formatCodeFrame({ file: 'm.ts', text, line: 1, col: 7, length: 500, label: 'error', message: 'm' });
    expect(f.split('\n')[3]).toBe('    |       ^^^^^^');
  });

  test('tabs before the span are kept so the caret lines up', () => {
    const f = formatCodeFrame({ file: 'm.ts', text, line: 3, col: 8, length: 1, label: 'error', message: 'm' });
    expect(f.split('\n')[3]).toBe('    | \t      ^');
  });

  test('at least one caret, and multi-line messages are indented', () => {
    const f = formatCodeFrame({ file: 'm.ts', text, line: 1, col: 13, length: 0, label: 'error', message: 'one\ntwo' });
    expect(f.split('\n')[0]).toBe('m.ts:1:13 - error: one');
    expect(f.split('\n')[1]).toBe('    two');
    expect(f.split('\n').at(-1)).toMatch(/\^$/);
  });
});
