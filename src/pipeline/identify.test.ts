import { describe, expect, test } from 'vitest';
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { describeMatch, identifyArchitecture } from './identify.js';

const shapesOf = (model: string, numClasses?: number): Map<string, { shape: readonly number[] }> => {
  const g = buildModel(ZOO.get(model)!, numClasses !== undefined ? { numClasses } : {});
  const m = new Map<string, { shape: readonly number[] }>([...g.params].map(([k, p]) => [k, { shape: p.shape }]));
  m.set('bn1.num_batches_tracked', { shape: [] });
  return m;
};

describe('identifyArchitecture', () => {
  test.each(['resnet18', 'resnet34', 'resnet50', 'resnext50_32x4d', 'wide_resnet50_2', 'resnet101', 'cifar_resnet56'])('%s is recognised exactly', (model) => {
    expect(identifyArchitecture(shapesOf(model))).toMatchObject({ model, exact: true });
  });

  test('a fine-tuned head of another size still identifies the backbone', () => {
    const m = identifyArchitecture(shapesOf('resnet34', 10));
    expect(m).toMatchObject({ model: 'resnet34', exact: true, numClasses: 10 });
    expect(describeMatch(m, 'resnet50')).toBe('the checkpoint is a resnet34: compile resnet34 --num-classes 10 instead of resnet50');
    expect(describeMatch(m, 'resnet34')).toBeUndefined();
  });

  test('a partial match says how close it is; unrelated tensors say nothing', () => {
    const sd = shapesOf('resnet50');
    for (const k of [...sd.keys()]) if (k.startsWith('layer4.')) sd.delete(k);
    const m = identifyArchitecture(sd)!;
    expect(m.exact).toBe(false);
    expect(describeMatch(m, 'cifar_resnet20')).toMatch(/^the checkpoint is closest to resnet\w+ \(\d+ of \d+ tensors fit\)$/);
    expect(identifyArchitecture(new Map([['encoder.w', { shape: [3] }]]))).toBeUndefined();
    expect(identifyArchitecture(new Map())).toBeUndefined();
  });
});
