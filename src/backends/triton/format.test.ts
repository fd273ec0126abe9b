import { describe, expect, test } from 'vitest';
import { formatConfig, quote } from './format.js';

describe('formatConfig', () => {
  test('layout: comments, scalars, lists, blocks, list of blocks, empty message, map entries sorted by key', () => {
    const text = formatConfig(
      {
        name: 'm',
        max_batch_size: 0,
        input: [{ name: 'a', data_type: 'TYPE_FP32', dims: [-1, 3] }, { name: 'b' }],
        dynamic_batching: {},
        parameters: { z: { string_value: '1' }, a: { string_value: '2' } },
      },
      ['first', ''],
    );
    expect(text).toBe(
      [
        '# first',
        '#',
        'name: "m"',
        'max_batch_size: 0',
        'input [',
        '  {',
        '    name: "a"',
        '    data_type: TYPE_FP32',
        '    dims: [ -1, 3 ]',
        '  },',
        '  {',
        '    name: "b"',
        '  }',
        ']',
        'dynamic_batching {}',
        'parameters {',
        '  key: "a"',
        '  value {',
        '    string_value: "2"',
        '  }',
        '}',
        'parameters {',
        '  key: "z"',
        '  value {',
        '    string_value: "1"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
  test('strings are quoted in ASCII with escapes', () => {
    expect(quote('a"b\\c\nd\té')).toBe('"a\\"b\\\\c\\nd\\t\\303\\251"');
  });
  test('a field the schema does not have is a bug, not silently dropped', () => {
    expect(() => formatConfig({ name: 'm', nmae: 'x' } as never)).toThrow(/ModelConfig has no field nmae/);
  });
});
