import { describe, expect, test } from 'vitest';
import { assertModelName, assertVersion, inferenceServiceName, isVersionFolder, modelNameProblem } from './names.js';
import { errorOf } from '../../../test/helpers/errors.js';

describe('names', () => {
  test('model names', () => {
    for (const ok of ['resnet50', 'cifar_resnet20', 'm.v2', 'A-1', '_x']) expect(modelNameProblem(ok)).toBeUndefined();
    expect(modelNameProblem('')).toBe('it is empty');
    expect(modelNameProblem('a/b')).toBe("it contains '/'");
    expect(modelNameProblem('my model')).toBe("it contains 'a space'");
    expect(modelNameProblem('.hidden')).toBe("it starts with '.'");
    expect(modelNameProblem('..')).toContain('not a folder name');
    expect(modelNameProblem('x'.repeat(256))).toContain('255 bytes');
    expect(errorOf(() => assertModelName('a/b'))).toMatchObject({ code: 'E_TRITON_MODEL_NAME', exitCode: 2 });
  });
  test('version folders and numbers', () => {
    expect(['1', '2', '10', '123'].every(isVersionFolder)).toBe(true);
    expect(['0', '01', 'v1', '-1', '1.5', ''].some(isVersionFolder)).toBe(false);
    expect(assertVersion(3)).toBe(3);
    expect(errorOf(() => assertVersion(0)).code).toBe('E_TRITON_VERSION');
  });
  test('InferenceService names', () => {
    expect(inferenceServiceName('cifar_resnet20')).toBe('cifar-resnet20');
    expect(inferenceServiceName('ResNet.50')).toBe('resnet-50');
    expect(errorOf(() => inferenceServiceName('1net')).code).toBe('E_KSERVE_NAME');
    expect(errorOf(() => inferenceServiceName('net_')).code).toBe('E_KSERVE_NAME');
  });
});
