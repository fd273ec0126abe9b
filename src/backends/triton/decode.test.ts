import { describe, expect, test } from 'vitest';
import { decodeConfig } from './decode.js';
import { formatConfig } from './format.js';
import type { ModelConfig } from './config.js';

const FULL: ModelConfig = {
  name: 'resnet50',
  platform: 'onnxruntime_onnx',
  version_policy: { specific: { versions: [1, 3] } },
  max_batch_size: 8,
  input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [3, -1, -1] }],
  output: [
    { name: 'logits', data_type: 'TYPE_FP32', dims: [1000], label_filename: 'labels.txt' },
    { name: 'feat "x"\té', data_type: 'TYPE_FP16', dims: [1], reshape: {} },
  ],
  dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 100 },
  instance_group: [{ count: 2, kind: 'KIND_GPU' }],
  optimization: { execution_accelerators: { gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } }] } },
  parameters: { intra_op_thread_count: { string_value: '2' } },
  model_warmup: [{ name: 'w', batch_size: 8, inputs: { input: { data_type: 'TYPE_FP32', dims: [3, 224, 224], zero_data: true } } }],
};

describe('decodeConfig', () => {
  test('what formatConfig writes decodes back to the same config, without problems', () => {
    const text = formatConfig(FULL, ['a comment']);
    const d = decodeConfig(text);
    expect(d.problems).toEqual([]);
    expect(d.config).toEqual(FULL);
    expect(formatConfig(d.config, ['a comment'])).toBe(text);
  });

  test('locations of fields and of list elements', () => {
    const d = decodeConfig('name: "m"\nmax_batch_size: 4\ninput [\n  {\n    name: "x"\n    dims: [ 2 ]\n  }\n]\n');
    expect(d.where(d.config)?.fields['max_batch_size']).toEqual({ line: 2, col: 1 });
    const x = d.config.input![0]!;
    expect(d.where(x)?.at.line).toBe(4);
    expect(d.where(x)?.fields['dims']?.line).toBe(6);
  });

  test('repeated fields: one per element, lists, or both; maps as entries (later key wins); enums by number', () => {
    const d = decodeConfig('input { name: "a" } input [ { name: "b" } ]\ninput { dims: 1 dims: [2, 3] data_type: 11 }\nparameters { key: "k" value: { string_value: "1" } }\nparameters [ { key: "k" value { string_value: "2" } } ]');
    expect(d.problems).toEqual([]);
    expect(d.config.input).toEqual([{ name: 'a' }, { name: 'b' }, { dims: [1, 2, 3], data_type: 'TYPE_FP32' }]);
    expect(d.config.parameters).toEqual({ k: { string_value: '2' } });
  });

  test('opaque messages are accepted as well-formed text', () => {
    const d = decodeConfig('sequence_batching { max_sequence_idle_microseconds: 5000000 control_input [ { name: "START" } ] }\ninstance_group { rate_limiter { resources [ { name: "R" count: 1 } ] } }');
    expect(d.problems).toEqual([]);
    expect(d.config.sequence_batching).toEqual({});
  });

  test.each([
    ['max_batch_sise: 8', 'E_TRITON_CONFIG_FIELD', 1, "did you mean 'max_batch_size'"],
    ['input { name: "x" data_type: TYPE_FLOAT32 }', 'E_TRITON_CONFIG_VALUE', 1, 'TYPE_FP32'],
    ['input { name: "x" data_type: "TYPE_FP32" }', 'E_TRITON_CONFIG_VALUE', 1, 'no quotes'],
    ['name: "a"\nname: "b"', 'E_TRITON_CONFIG_DUPLICATE', 2, 'first at line 1'],
    ['dynamic_batching {}\nsequence_batching {}', 'E_TRITON_CONFIG_DUPLICATE', 2, 'oneof'],
    ['max_batch_size: 1.5', 'E_TRITON_CONFIG_VALUE', 1, 'integer'],
    ['max_batch_size: 3000000000', 'E_TRITON_CONFIG_VALUE', 1, 'range'],
    ['dynamic_batching { max_queue_delay_microseconds: -1 }', 'E_TRITON_CONFIG_VALUE', 1, 'not negative'],
    ['name: resnet', 'E_TRITON_CONFIG_VALUE', 1, 'in quotes'],
    ['max_batch_size: [1, 2]', 'E_TRITON_CONFIG_VALUE', 1, 'not a list'],
    ['input: "x"', 'E_TRITON_CONFIG_VALUE', 1, 'message'],
    ['instance_group { kind: KIND_CPU count: 1 passive: maybe }', 'E_TRITON_CONFIG_VALUE', 1, 'true or false'],
    ['output [\n  {\n    name: "y"\n    dim: [ 10 ]\n  }\n]', 'E_TRITON_CONFIG_FIELD', 4, "'dims'"],
    ['name: "a" }', 'E_TRITON_CONFIG_SYNTAX', 1, "expected a field name, found '}'"],
  ])('problem %#: %j -> %s at line %i', (text, code, line, words) => {
    const d = decodeConfig(text);
    expect(d.problems[0]?.code).toBe(code);
    expect(d.problems[0]?.line).toBe(line);
    expect(`${d.problems[0]?.message} ${d.problems[0]?.hint ?? ''}`).toContain(words);
  });

  test('every problem is collected, and the rest of the config still decodes', () => {
    const d = decodeConfig('nme: "a"\nmax_batch_size: 8\ninput { name: "x" data_type: FP32 dims: [ 1 ] }');
    expect(d.problems.map((p) => [p.code, p.line])).toEqual([
      ['E_TRITON_CONFIG_FIELD', 1],
      ['E_TRITON_CONFIG_VALUE', 3],
    ]);
    expect(d.config).toEqual({ max_batch_size: 8, input: [{ name: 'x', dims: [1] }] });
  });
});
