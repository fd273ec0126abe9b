import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { onnxSignature, readOnnxSignature } from './signature.js';
import { onnx } from './proto.js';
import { toOnnxBytes } from './serialize.js';
import { compile } from '../../compile.js';
import { ZOO } from '../../zoo/index.js';
import { errorOf } from '../../../test/helpers/errors.js';

const vi = (name: string, elemType: number, dims: (number | string | null)[]) => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } } },
});

describe('ONNX signature', () => {
  test('a compiled model: input [N, 3, 32, 32] float, output logits [N, 10], no external data', () => {
    const sig = onnxSignature(toOnnxBytes(compile(ZOO.get('cifar_resnet20')!, { seed: 1 }).graph), 'c20.onnx');
    expect(sig.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['N', 3, 32, 32], unranked: false }]);
    expect(sig.outputs).toEqual([{ name: 'logits', elemType: 1, dims: ['N', 10], unranked: false }]);
    expect(sig.overridable).toEqual([]);
    expect(sig.externalData).toEqual([]);
  });

  test('several inputs and outputs, symbolic and unknown dims, initializers listed as inputs, external data', () => {
    const bytes = onnx.ModelProto.encode({
      graph: {
        input: [vi('image', 1, ['N', 3, 'H', 'W']), vi('scale', 10, [null]), vi('w', 1, [4])],
        output: [vi('a', 1, ['N', 2]), vi('b', 7, [])],
        initializer: [{ name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'm.onnx.data' }, { key: 'offset', value: '0' }] }],
      },
    }).finish();
    const sig = onnxSignature(bytes, 'm.onnx');
    expect(sig.inputs.map((i) => [i.name, i.elemType, i.dims])).toEqual([
      ['image', 1, ['N', 3, 'H', 'W']],
      ['scale', 10, [null]],
    ]);
    expect(sig.overridable.map((i) => i.name)).toEqual(['w']);
    expect(sig.outputs.map((o) => [o.name, o.elemType, o.dims])).toEqual([
      ['a', 1, ['N', 2]],
      ['b', 7, []],
    ]);
    expect(sig.externalData).toEqual(['m.onnx.data']);
  });

  test('garbage, a missing file and a directory are coded errors naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netforge-sig-'));
    writeFileSync(join(dir, 'bad.onnx'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    expect(errorOf(() => readOnnxSignature(join(dir, 'bad.onnx')))).toMatchObject({ code: 'E_ONNX_INVALID', file: join(dir, 'bad.onnx') });
    expect(errorOf(() => readOnnxSignature(join(dir, 'missing.onnx'))).code).toBe('E_NOT_FOUND');
    expect(errorOf(() => readOnnxSignature(dir)).code).toBe('E_NOT_FOUND');
  });
});
