import { describe, expect, test } from 'vitest';
import { NetforgeError, formatError, formatLoc, isModelOptionName } from './errors.js';
import { ERROR_CODES, isErrorCode } from './errorCodes.js';

const loc = { file: '/p/m.ts', line: 7, col: 15 };
const frame = (l: typeof loc): string[] => [`  ${l.line} | source`, '    | ^'];

describe('formatError', () => {
  test('what, where, frame, related locations with their frames, help: in that order', () => {
    const e = new NetforgeError({
      code: 'E_DUPLICATE_MODULE',
      message: 'module conv1 is defined twice',
      modulePath: 'conv1',
      loc,
      related: [{ message: 'conv1 is first defined here', loc: { ...loc, line: 3 } }],
      hint: 'rename one',
    });
    expect(formatError(e, { frame }).split('\n')).toEqual([
      'error[E_DUPLICATE_MODULE]: module conv1 is defined twice',
      '  --> in conv1, at /p/m.ts:7:15',
      '',
      '  7 | source',
      '    | ^',
      '  note: conv1 is first defined here, at /p/m.ts:3:15',
      '',
      '  3 | source',
      '    | ^',
      '  help: rename one',
    ]);
  });
  test('without a frame source, or for an error whose message already holds its frames, locations are text only', () => {
    const e = new NetforgeError({ code: 'E_BAD_ARG', message: 'm', loc });
    expect(formatError(e)).toBe('error[E_BAD_ARG]: m\n  --> at /p/m.ts:7:15');
    const framed = new NetforgeError({ code: 'E_TYPECHECK', message: 'm', loc, framed: true });
    expect(formatError(framed, { frame })).toBe('error[E_TYPECHECK]: m\n  --> at /p/m.ts:7:15');
  });
  test('a location is written one way', () => {
    expect(formatLoc(loc)).toBe('/p/m.ts:7:15');
    expect(formatLoc(undefined)).toBeUndefined();
  });
});

describe('error codes', () => {
  test('every code is E_ + upper snake case and documented', () => {
    for (const [code, what] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^E_[A-Z0-9_]+$/);
      expect(what.length).toBeGreaterThan(10);
    }
    expect(isErrorCode('E_SHAPE_MISMATCH')).toBe(true);
    expect(isErrorCode('E_NOPE')).toBe(false);
  });
  test('model option names are known', () => {
    expect(isModelOptionName('numClasses')).toBe(true);
    expect(isModelOptionName('groups')).toBe(false);
  });
});
