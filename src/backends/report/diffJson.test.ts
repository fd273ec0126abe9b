import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { inspectModel } from '../../inspect.js';
import { diffModels } from '../../diff.js';
import { diffJson } from './diffJson.js';

describe('diffJson', () => {
  test('every row at every level, totals with delta and ratio, the full key lists; plain JSON', () => {
    const a = inspectModel(ZOO.get('cifar_resnet20')!, { input: [3, 'H', 'W'] });
    const b = inspectModel(ZOO.get('cifar_resnet32')!, { input: [3, 'H', 'W'] });
    const j = diffJson(diffModels({ label: 'cifar_resnet20 --input-size 3,H,W', model: a }, { label: 'cifar_resnet32 --input-size 3,H,W', model: b }));
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    expect(j.a).toEqual({ label: 'cifar_resnet20 --input-size 3,H,W', model: 'cifar_resnet20' });
    expect(j.identical).toBe(false);
    expect(j.rows.filter((r) => r.level === 1).map((r) => r.status)).toEqual(['same', 'changed', 'changed', 'changed', 'same']);
    const added = j.rows.filter((r) => r.status === 'added');
    expect(added.filter((r) => r.kind === 'block').map((r) => r.b!.path)).toEqual(['layer1.3', 'layer1.4', 'layer2.3', 'layer2.4', 'layer3.3', 'layer3.4']);
    expect(added.every((r) => r.a === undefined)).toBe(true);
    expect(j.rows.find((r) => r.a?.path === 'layer2')!.a!.outputShape).toEqual(['N', 32, 'ceil(H/2)', 'ceil(W/2)']);
    expect(j.totals.quantities.params).toEqual({ a: 269_722, b: 464_154, delta: 194_432, ratio: 464_154 / 269_722 });
    expect(typeof j.totals.macsFormula!.delta).toBe('string');
    expect(j.weights.onlyInB.length).toBe(60);
    expect(j.weights.verdict).toMatchObject({ ok: true, noStrict: true, freshParams: 194_432 });
  });
});
