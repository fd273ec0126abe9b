import { describe, expect, test } from 'vitest';
import { parseTextFormat, TextFormatError } from './textFormat.js';

const syntaxError = (text: string): TextFormatError => {
  try {
    parseTextFormat(text);
  } catch (e) {
    if (e instanceof TextFormatError) return e;
    throw e;
  }
  throw new Error('expected a syntax error');
};

describe('text format parser', () => {
  test('fields, nested messages (both brackets), lists, comments, separators, and where each was written', () => {
    const t = parseTextFormat(['# a comment', 'name: "m"  # trailing', 'max_batch_size: 8;', 'input [', '  { name: "x", dims: [ 3, -1 ] },', '  < name: \'y\' >', ']', 'dynamic_batching {}'].join('\n'));
    expect(t.fields.map((f) => [f.name, f.line, f.col])).toEqual([
      ['name', 2, 1],
      ['max_batch_size', 3, 1],
      ['input', 4, 1],
      ['dynamic_batching', 8, 1],
    ]);
    const input = t.fields[2]!.value;
    expect(input.kind).toBe('list');
    if (input.kind !== 'list') return;
    expect(input.items).toHaveLength(2);
    const first = input.items[0]!;
    if (first.kind !== 'message') throw new Error('expected a message');
    expect(first.line).toBe(5);
    expect(first.fields.map((f) => f.name)).toEqual(['name', 'dims']);
    const dims = first.fields[1]!.value;
    expect(dims.kind === 'list' && dims.items.map((d) => (d.kind === 'number' ? d.text : '?'))).toEqual(['3', '-1']);
  });

  test('strings: escapes, octal and hex bytes as UTF-8, adjacent strings joined', () => {
    const t = parseTextFormat('a: "x\\"y\\\\z\\n" b: "\\303\\251t\\xc3\\xa9" c: "ab" \'cd\' d: "é"');
    const v = (i: number): unknown => (t.fields[i]!.value.kind === 'string' ? (t.fields[i]!.value as { value: string }).value : undefined);
    expect([v(0), v(1), v(2), v(3)]).toEqual(['x"y\\z\n', 'été', 'abcd', 'é']);
  });

  test('numbers and words: hex, floats, inf, negative inf', () => {
    const t = parseTextFormat('a: 0x1F b: 1.5e3 c: -inf d: .5 e: 2f f: TYPE_FP32');
    expect(t.fields.map((f) => (f.value.kind === 'number' || f.value.kind === 'ident' ? `${f.value.kind}:${f.value.text}` : f.value.kind))).toEqual(['number:0x1F', 'number:1.5e3', 'ident:-inf', 'number:.5', 'number:2f', 'ident:TYPE_FP32']);
  });

  test.each([
    ['name "m"', 1, 6, "expected ':'"],
    ['input [\n  { name: "x" }\n  { name: "y" }\n]', 3, 3, "expected ',' or ']'"],
    ['input {\n  name: "x"\n', 3, 1, "expected '}'"],
    ['name: "unclosed\n', 1, 7, 'not closed'],
    ['dims: [ 3, 4 ', 1, 14, "expected ',' or ']' in the list opened at line 1, found the end of the file"],
    ['max_batch_size: 12abc', 1, 17, "invalid number '12abc'"],
    ['a: 1 ?', 1, 6, "unexpected character '?'"],
    ['[ext]: 1', 1, 1, 'extension'],
    ['input [ 1, 2 ]', 1, 9, "expected '{'"],
  ])('syntax error %#: %j at %i:%i', (text, line, col, message) => {
    const e = syntaxError(text);
    expect([e.line, e.col]).toEqual([line, col]);
    expect(e.message).toContain(message);
  });
});
