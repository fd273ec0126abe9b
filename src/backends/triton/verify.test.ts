import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { declaredShape, runAsDeclared } from './verify.js';
import type { ModelConfig } from './config.js';
import { compile } from '../../compile.js';
import { ZOO } from '../../zoo/index.js';
import { toOnnxBytes } from '../onnx/serialize.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-verify-'));
const model = join(dir, 'c20.onnx');
writeFileSync(model, toOnnxBytes(compile(ZOO.get('cifar_resnet20')!, { seed: 1 }).graph));
const config: ModelConfig = {
  name: 'c20',
  max_batch_size: 8,
  input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [3, 32, 32] }],
  output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [10] }],
};

const failure = async (c: ModelConfig): Promise<unknown> =>
  runAsDeclared(model, c, [1, 8]).then(
    () => undefined,
    (e: unknown) => e,
  );

describe('runAsDeclared', () => {
  test('declared shapes: the batch in front with batching, -1 from the reference', () => {
    expect(declaredShape({ dims: [3, -1, -1] }, 4, 2, [1, 3, 10, 12])).toEqual([2, 3, 10, 12]);
    expect(declaredShape({ dims: [-1, 3] }, 0, 5, [7, 3])).toEqual([7, 3]);
  });
  test('runs batch 1 and max_batch_size with inputs shaped as declared, outputs as declared', async () => {
    const runs = await runAsDeclared(model, config, [1, 8]);
    expect(runs).toEqual([
      { batch: 1, inputs: [{ name: 'input', shape: [1, 3, 32, 32] }], outputs: [{ name: 'logits', shape: [1, 10] }] },
      { batch: 8, inputs: [{ name: 'input', shape: [8, 3, 32, 32] }], outputs: [{ name: 'logits', shape: [8, 10] }] },
    ]);
  });
  test('a config that does not describe the model: E_TRITON_VERIFY naming the file', async () => {
    expect(await failure({ ...config, input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [3, 32, 31] }] })).toMatchObject({ code: 'E_TRITON_VERIFY', file: model });
    expect(await failure({ ...config, output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [11] }] })).toMatchObject({ code: 'E_TRITON_VERIFY' });
    expect(await failure({ ...config, output: [{ name: 'probs', data_type: 'TYPE_FP32', dims: [10] }] })).toMatchObject({ code: 'E_TRITON_VERIFY' });
    expect(await failure({ ...config, output: [{ name: 'logits', data_type: 'TYPE_FP16', dims: [10] }] })).toMatchObject({ code: 'E_TRITON_VERIFY' });
  });
});
