import { describe, expect, test } from 'vitest';
import { v2InferRequest } from './v2request.js';
import type { ModelConfig } from './config.js';
import { errorOf } from '../../../test/helpers/errors.js';

const config: ModelConfig = {
  max_batch_size: 4,
  input: [
    { name: 'image', data_type: 'TYPE_FP32', dims: [3, -1, 2] },
    { name: 'k', data_type: 'TYPE_FP32', dims: [1] },
  ],
  output: [{ name: 'a' }, { name: 'b' }],
};

describe('v2 REST request', () => {
  test('each input with its name, the full shape (batch in front, -1 from the reference), datatype and row-major data; outputs by name', () => {
    const text = v2InferRequest(config, 2, 7, { image: [1, 3, 5, 2] });
    const req = JSON.parse(text) as { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[]; outputs: unknown };
    expect(req.inputs.map((i) => [i.name, i.shape, i.datatype, i.data.length])).toEqual([
      ['image', [2, 3, 5, 2], 'FP32', 60],
      ['k', [2, 1], 'FP32', 2],
    ]);
    expect(req.outputs).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(text.split('\n').filter((l) => l.includes('"data"'))).toHaveLength(2);
    expect(v2InferRequest(config, 2, 7, { image: [1, 3, 5, 2] })).toBe(text);
    expect(v2InferRequest(config, 2, 8, { image: [1, 3, 5, 2] })).not.toBe(text);
  });
  test('FP16 inputs have no JSON form: E_V2_REQUEST', () => {
    expect(errorOf(() => v2InferRequest({ input: [{ name: 'h', data_type: 'TYPE_FP16', dims: [1] }] }, 1, 0)).code).toBe('E_V2_REQUEST');
  });
});
