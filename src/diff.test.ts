import { describe, expect, test } from 'vitest';
import { ZOO } from './zoo/index.js';
import type { ModelOptions } from './dsl/model.js';
import { NetforgeError } from './errors.js';
import { inspectModel } from './inspect.js';
import { diffModels, sideError } from './diff.js';

const side = (name: string, o: ModelOptions = {}) => ({ label: name, model: inspectModel(ZOO.get(name)!, o), numClassesSet: o.numClasses !== undefined });

describe('diffModels', () => {
  test('a model against itself is identical', () => {
    const d = diffModels(side('cifar_resnet20'), side('cifar_resnet20'));
    expect(d.identical).toBe(true);
    expect(d.a.label).toBe('cifar_resnet20');
  });

  test('a variant is not: rows, totals and weights say how', () => {
    const d = diffModels(side('cifar_resnet20'), side('cifar_resnet20', { numClasses: 100 }));
    expect(d.identical).toBe(false);
    expect(d.rows.find((r) => r.status !== 'same')!.a!.path).toBe('head');
    expect(d.totals.quantities.find((q) => q.key === 'params')).toEqual({ key: 'params', a: 269_722, b: 269_722 + 90 * 65 });
    expect(d.weights.verdict).toMatchObject({ ok: true, noStrict: false, numClasses: false, fresh: ['fc.weight', 'fc.bias'] });
  });

  test('only the symbolic sizes differ: not identical', () => {
    expect(diffModels(side('cifar_resnet20'), side('cifar_resnet20', { input: [3, 'H', 'W'] })).identical).toBe(false);
  });
});

describe('sideError', () => {
  test('says which side, keeps the code, place and hint', () => {
    const e = new NetforgeError({ code: 'E_UNKNOWN_MODEL', message: "unknown model 'resnet99'", hint: 'zoo models: ...', modulePath: 'layer1', exitCode: 1 });
    const s = sideError('B', 'resnet99 --num-classes 10', e);
    expect(s.message).toBe("B (resnet99 --num-classes 10): unknown model 'resnet99'");
    expect(s).toMatchObject({ code: 'E_UNKNOWN_MODEL', hint: 'zoo models: ...', modulePath: 'layer1', exitCode: 1 });
  });
});
