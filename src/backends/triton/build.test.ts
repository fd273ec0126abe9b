import { describe, expect, test } from 'vitest';
import { buildConfig, DEFAULT_MAX_BATCH_SIZE, signatureOfOnnx, tritonDims, type ModelSignature } from './build.js';
import { errorOf } from '../../../test/helpers/errors.js';

const classifier: ModelSignature = {
  inputs: [{ name: 'input', dataType: 'TYPE_FP32', shape: [null, 3, 32, 32] }],
  outputs: [{ name: 'logits', dataType: 'TYPE_FP32', shape: [null, 10] }],
};
/** Two inputs and two outputs, symbolic H and W. */
const symbolic: ModelSignature = {
  inputs: [
    { name: 'image', dataType: 'TYPE_FP32', shape: [null, 3, null, null] },
    { name: 'scale', dataType: 'TYPE_FP16', shape: [null, 1] },
  ],
  outputs: [
    { name: 'mask', dataType: 'TYPE_FP32', shape: [null, 2, null, null] },
    { name: 'score', dataType: 'TYPE_FP32', shape: [null] },
  ],
};
const fixedBatch: ModelSignature = { inputs: [{ name: 'x', dataType: 'TYPE_FP32', shape: [1, 3, 8, 8] }], outputs: [{ name: 'y', dataType: 'TYPE_FP32', shape: [1, 4] }] };

describe('buildConfig', () => {
  test('a batchable classifier: the batch dim left out, max_batch_size 8 by default', () => {
    expect(buildConfig(classifier, { name: 'c20' })).toEqual({
      name: 'c20',
      platform: 'onnxruntime_onnx',
      max_batch_size: DEFAULT_MAX_BATCH_SIZE,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [3, 32, 32] }],
      output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [10] }],
    });
  });

  test('lists of inputs and outputs, symbolic dims as -1, a per-sample scalar as [1] with an empty reshape', () => {
    const c = buildConfig(symbolic, { name: 'seg', maxBatchSize: 4 });
    expect(c.input).toEqual([
      { name: 'image', data_type: 'TYPE_FP32', dims: [3, -1, -1] },
      { name: 'scale', data_type: 'TYPE_FP16', dims: [1] },
    ]);
    expect(c.output).toEqual([
      { name: 'mask', data_type: 'TYPE_FP32', dims: [2, -1, -1] },
      { name: 'score', data_type: 'TYPE_FP32', dims: [1], reshape: {} },
    ]);
    const unbatched = buildConfig(symbolic, { name: 'seg', maxBatchSize: 0 });
    expect(unbatched.input![0]!.dims).toEqual([-1, 3, -1, -1]);
    expect(unbatched.output![1]).toEqual({ name: 'score', data_type: 'TYPE_FP32', dims: [-1] });
  });

  test('a model whose first dim is fixed: max_batch_size 0 by default, E_TRITON_BATCH_DIM when asked for more', () => {
    expect(buildConfig(fixedBatch, { name: 'f' }).max_batch_size).toBe(0);
    expect(buildConfig(fixedBatch, { name: 'f' }).input![0]!.dims).toEqual([1, 3, 8, 8]);
    const e = errorOf(() => buildConfig(fixedBatch, { name: 'f', maxBatchSize: 4 }));
    expect(e.code).toBe('E_TRITON_BATCH_DIM');
    expect(e.message).toContain("'x' is [1, 3, 8, 8]");
  });

  test('dynamic batching, instances, an accelerator, a version policy and labels', () => {
    const c = buildConfig(classifier, {
      name: 'c20',
      maxBatchSize: 16,
      dynamicBatching: { preferredBatchSizes: [8, 4, 8], maxQueueDelayMicroseconds: 100 },
      instanceGroup: { count: 2, kind: 'gpu' },
      accelerator: { name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } },
      versionPolicy: { latest: { num_versions: 2 } },
      labels: { output: 'logits', fileName: 'labels.txt' },
    });
    expect(c.dynamic_batching).toEqual({ preferred_batch_size: [4, 8], max_queue_delay_microseconds: 100 });
    expect(c.instance_group).toEqual([{ count: 2, kind: 'KIND_GPU' }]);
    expect(c.optimization).toEqual({ execution_accelerators: { gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } }] } });
    expect(c.version_policy).toEqual({ latest: { num_versions: 2 } });
    expect(c.output![0]!.label_filename).toBe('labels.txt');
    expect(buildConfig(classifier, { name: 'c', instanceGroup: { kind: 'cpu' }, accelerator: { name: 'openvino' } }).optimization).toEqual({ execution_accelerators: { cpu_execution_accelerator: [{ name: 'openvino' }] } });
  });

  test('warmup samples at batch 1 and max_batch_size, symbolic dims sized from the reference shape', () => {
    const c = buildConfig(symbolic, { name: 'seg', maxBatchSize: 4, warmup: 'random', referenceShapes: { image: [1, 3, 64, 48], scale: [1, 1] } });
    expect(c.model_warmup).toEqual([1, 4].map((b) => ({
      name: `random_batch_${b}`,
      batch_size: b,
      inputs: { image: { data_type: 'TYPE_FP32', dims: [3, 64, 48], random_data: true }, scale: { data_type: 'TYPE_FP16', dims: [1], random_data: true } },
    })));
    expect(errorOf(() => buildConfig(symbolic, { name: 'seg', warmup: 'zero' })).code).toBe('E_TRITON_WARMUP');
    expect(buildConfig(fixedBatch, { name: 'f', warmup: 'zero' }).model_warmup).toEqual([{ name: 'zero_batch_1', batch_size: 1, inputs: { x: { data_type: 'TYPE_FP32', dims: [1, 3, 8, 8], zero_data: true } } }]);
  });

  test.each([
    [{ maxBatchSize: -1 }, 'E_TRITON_BATCH'],
    [{ maxBatchSize: 0, dynamicBatching: {} }, 'E_TRITON_BATCH'],
    [{ maxBatchSize: 4, dynamicBatching: { preferredBatchSizes: [8] } }, 'E_TRITON_BATCH'],
    [{ dynamicBatching: { maxQueueDelayMicroseconds: -5 } }, 'E_TRITON_BATCH'],
    [{ accelerator: { name: 'tensorrtx' } }, 'E_TRITON_ACCELERATOR'],
    [{ accelerator: { name: 'tensorrt', parameters: { precision: 'FP16' } } }, 'E_TRITON_ACCELERATOR_PARAM'],
    [{ accelerator: { name: 'tensorrt', parameters: { precision_mode: 'fp16' } } }, 'E_TRITON_ACCELERATOR_PARAM'],
    [{ accelerator: { name: 'tensorrt', parameters: { trt_engine_cache_enable: 'yes' } } }, 'E_TRITON_ACCELERATOR_PARAM'],
    [{ accelerator: { name: 'cuda', parameters: { no_such_option: '1' } } }, 'E_TRITON_ACCELERATOR_PARAM'],
    [{ accelerator: { name: 'openvino', parameters: { device_type: 'CPU' } } }, 'E_TRITON_ACCELERATOR_PARAM'],
    [{ accelerator: { name: 'tensorrt' }, instanceGroup: { kind: 'cpu' as const } }, 'E_TRITON_ACCELERATOR'],
    [{ accelerator: { name: 'openvino' }, instanceGroup: { kind: 'gpu' as const } }, 'E_TRITON_ACCELERATOR'],
    [{ instanceGroup: { count: 0 } }, 'E_USAGE'],
    [{ versionPolicy: { specific: { versions: [0] } } }, 'E_TRITON_VERSION'],
    [{ name: 'a/b' }, 'E_TRITON_MODEL_NAME'],
  ])('refused %#: %j -> %s', (o, code) => {
    expect(errorOf(() => buildConfig(classifier, { name: 'c20', ...o })).code).toBe(code);
  });

  test('two tensors with one name are refused', () => {
    expect(errorOf(() => buildConfig({ inputs: [{ name: 'x', dataType: 'TYPE_FP32', shape: [null, 1] }], outputs: [{ name: 'x', dataType: 'TYPE_FP32', shape: [null, 1] }] }, { name: 'm' })).code).toBe('E_TRITON_NAMES');
  });
});

describe('tritonDims and signatureOfOnnx', () => {
  test('dims under max_batch_size', () => {
    expect(tritonDims([null, 3, null], 8)).toEqual({ dims: [3, -1] });
    expect(tritonDims([null, 3, null], 0)).toEqual({ dims: [-1, 3, -1] });
    expect(tritonDims([], 0)).toEqual({ dims: [1] });
  });
  test('ONNX types and dims; unsupported types and unranked tensors are refused', () => {
    const base = { overridable: [], externalData: [] };
    expect(signatureOfOnnx({ ...base, inputs: [{ name: 'a', elemType: 10, dims: ['N', 3, null], unranked: false }], outputs: [{ name: 'b', elemType: 7, dims: [2], unranked: false }] }, 'm.onnx')).toEqual({
      inputs: [{ name: 'a', dataType: 'TYPE_FP16', shape: [null, 3, null] }],
      outputs: [{ name: 'b', dataType: 'TYPE_INT64', shape: [2] }],
    });
    expect(errorOf(() => signatureOfOnnx({ ...base, inputs: [{ name: 'c', elemType: 14, dims: [], unranked: false }], outputs: [] }, 'm.onnx')).code).toBe('E_TRITON_DTYPE');
    expect(errorOf(() => signatureOfOnnx({ ...base, inputs: [{ name: 'u', elemType: 1, dims: [], unranked: true }], outputs: [] }, 'm.onnx')).code).toBe('E_TRITON_SHAPE');
  });
});
