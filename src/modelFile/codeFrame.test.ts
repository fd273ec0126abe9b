import { describe, expect, test } from 'vitest';
import { formatCodeFrame, frameFromDisk, spanAt } from './codeFrame.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

describe('spanAt and frameFromDisk', () => {
  test('the caret covers the identifier V8 reports for a call', () => {
    expect(spanAt('    return relu(add(a, b));', 1, 12)).toBe(4);
    expect(spanAt('    return relu(add(a, b));', 1, 17)).toBe(3);
    expect(spanAt('  x = conv2d$(y)', 1, 7)).toBe(7);
    expect(spanAt('  (', 1, 3)).toBe(1);
  });
  test('a frame from a file on disk; nothing (and no throw) for a missing file or line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netforge-frame-'));
    const f = join(dir, 'm.ts');
    writeFileSync(f, 'const a = 1;\nconst y = add(a, b);\n');
    expect(frameFromDisk({ file: f, line: 2, col: 11 })).toEqual(['  2 | const y = add(a, b);', '    |           ^^^']);
    expect(frameFromDisk({ file: f, line: 9, col: 1 })).toBeUndefined();
    expect(frameFromDisk({ file: join(dir, 'gone.ts'), line: 1, col: 1 })).toBeUndefined();
    expect(frameFromDisk({ file: dir, line: 1, col: 1 })).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
});
