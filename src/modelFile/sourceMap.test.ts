import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ts } from 'ts-morph';
import { decodeMappings, decodeVlq, sourceMapLookup, type SourceMapV3 } from './sourceMap.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The encoder, written from the spec, to round-trip the decoder against. */
function encodeVlq(values: readonly number[]): string {
  let out = '';
  for (const v of values) {
    let n = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let digit = n & 31;
      n >>>= 5;
      if (n > 0) digit |= 32;
      out += B64[digit];
    } while (n > 0);
  }
  return out;
}

describe('decodeVlq', () => {
  test('known digits', () => {
    expect(decodeVlq('A')).toEqual([0]);
    expect(decodeVlq('C')).toEqual([1]);
    expect(decodeVlq('D')).toEqual([-1]);
    expect(decodeVlq('gB')).toEqual([16]);
    expect(decodeVlq('AACA')).toEqual([0, 0, 1, 0]);
  });

  test('round-trips any segment', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 29), max: 2 ** 29 }), { minLength: 1, maxLength: 6 }), (vs) => {
        expect(decodeVlq(encodeVlq(vs))).toEqual(vs);
      }),
    );
  });

  test('rejects a truncated value', () => {
    expect(() => decodeVlq('g')).toThrow(/truncated/);
  });
});

describe('decodeMappings', () => {
  test('fields are deltas across lines; the generated column resets per line', () => {
    const lines = decodeMappings(['AAAA,IAAI', '', 'EACE'].join(';'));
    expect(lines[0]).toEqual([
      { genCol: 0, source: 0, line: 0, col: 0 },
      { genCol: 4, source: 0, line: 0, col: 4 },
    ]);
    expect(lines[1]).toEqual([]);
    expect(lines[2]).toEqual([{ genCol: 2, source: 0, line: 1, col: 6 }]);
  });
});

describe('sourceMapLookup on TypeScript output', () => {
  // types and blank lines vanish in the output, so lines and columns move
  const source = [
    'interface Opts {',
    '  readonly n: number;',
    '}',
    '',
    'const f = (o: Opts): number => o.n;',
    'export const value: number = f({ n: 3 }) + missing(1);',
  ].join('\n');
  const out = ts.transpileModule(source, { fileName: 'm.ts', compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true } });
  const map = JSON.parse(out.sourceMapText!) as SourceMapV3;
  const lookup = sourceMapLookup(map);

  const posOf = (text: string, needle: string): { line: number; col: number } => {
    const i = text.indexOf(needle);
    const before = text.slice(0, i).split('\n');
    return { line: before.length, col: before[before.length - 1]!.length + 1 };
  };

  test.each(['missing', 'f({', 'o.n'])('%s maps back to where it was written', (needle) => {
    const g = posOf(out.outputText, needle);
    const want = posOf(source, needle);
    expect(lookup(g.line, g.col)).toEqual({ source: 'm.ts', ...want });
  });

  test('a line without mappings gives undefined', () => {
    expect(lookup(1000, 1)).toBeUndefined();
  });
});
