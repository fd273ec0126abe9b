import { describe, expect, test } from 'vitest';
import { checkKServeOptions, kserveManifest } from './kserve.js';
import { errorOf } from '../../../test/helpers/errors.js';

describe('KServe InferenceService', () => {
  test('ONNX through the Triton runtime, protocol v2, the storage URI, resources; a GPU when asked', () => {
    const yaml = kserveManifest({ serviceName: 'resnet50', modelName: 'resnet50', storageUri: 'gs://b/models', cpu: '2', memory: '4Gi', gpu: true });
    expect(yaml).toContain('kind: InferenceService\n');
    expect(yaml).toContain('      modelFormat:\n        name: onnx\n      protocolVersion: v2\n      runtime: kserve-tritonserver\n      storageUri: "gs://b/models"\n');
    expect(yaml).toContain('        limits:\n          cpu: "2"\n          memory: "4Gi"\n          nvidia.com/gpu: "1"\n');
    expect(kserveManifest({ serviceName: 'r', modelName: 'r', storageUri: 'pvc://p/r', cpu: '500m', memory: '2Gi', gpu: false })).not.toContain('nvidia.com/gpu');
  });
  test.each([
    [{ storageUri: 'models/', cpu: '1', memory: '2Gi' }, 'E_KSERVE_STORAGE_URI'],
    [{ storageUri: 's3://b', cpu: 'two', memory: '2Gi' }, 'E_KSERVE_RESOURCES'],
    [{ storageUri: 's3://b', cpu: '1', memory: '2GB' }, 'E_KSERVE_RESOURCES'],
  ])('refused: %j', (o, code) => {
    expect(errorOf(() => checkKServeOptions(o)).code).toBe(code);
  });
});
