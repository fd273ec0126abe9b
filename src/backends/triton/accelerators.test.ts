import { describe, expect, test } from 'vitest';
import { checkAccelerator } from './accelerators.js';

describe('execution accelerators', () => {
  test('tensorrt with its documented parameters, cuda with its options, openvino bare: no problems', () => {
    expect(checkAccelerator('gpu', 'tensorrt', { precision_mode: 'INT8', max_workspace_size_bytes: '4294967296', trt_engine_cache_enable: 'true', trt_engine_cache_path: '/cache', trt_max_partition_iterations: '1000' }, true)).toEqual([]);
    expect(checkAccelerator('gpu', 'cuda', { cudnn_conv_algo_search: 'HEURISTIC', use_ep_level_unified_stream: 'on' }, true)).toEqual([]);
    expect(checkAccelerator('cpu', 'openvino', {}, true)).toEqual([]);
  });

  test('a name in the wrong list or unknown fails the load', () => {
    expect(checkAccelerator('cpu', 'tensorrt', {}, false)).toMatchObject([{ code: 'E_TRITON_ACCELERATOR', severity: 'error' }]);
    expect(checkAccelerator('gpu', 'openvino', {}, false)[0]!.hint).toContain('move openvino to cpu_execution_accelerator');
    expect(checkAccelerator('gpu', 'TensorRT', {}, false)).toMatchObject([{ code: 'E_TRITON_ACCELERATOR', severity: 'error' }]);
  });

  test('severity: Triton refuses (error) vs onnxruntime decides or ignores (warning); strict makes all errors', () => {
    expect(checkAccelerator('gpu', 'tensorrt', { segment_size: '3' }, false)).toMatchObject([{ severity: 'error', param: 'segment_size' }]);
    expect(checkAccelerator('gpu', 'tensorrt', { max_workspace_size_bytes: 'abc' }, false)).toMatchObject([{ severity: 'error' }]);
    expect(checkAccelerator('gpu', 'cuda', { some_future_option: '1' }, false)).toMatchObject([{ severity: 'warning' }]);
    expect(checkAccelerator('gpu', 'cuda', { do_copy_in_default_stream: 'maybe' }, false)).toMatchObject([{ severity: 'error' }]);
    expect(checkAccelerator('gpu', 'cuda', { cudnn_conv_algo_search: 'FAST' }, false)).toMatchObject([{ severity: 'warning' }]);
    expect(checkAccelerator('cpu', 'openvino', { device_type: 'GPU' }, false)).toMatchObject([{ severity: 'warning' }]);
    expect(checkAccelerator('cpu', 'openvino', { device_type: 'GPU' }, true)).toMatchObject([{ severity: 'error' }]);
  });
});
