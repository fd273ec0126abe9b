import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import type { ModelOptions } from '../../dsl/model.js';
import { inspectModel } from '../../inspect.js';
import { diffModels } from '../../diff.js';
import { opsText, ratio, runLabel, signed, totalRows, verdictText, visibleRows, weightsFacts } from './diffFacts.js';

const diff = (a: string, b: string, ao: ModelOptions = {}, bo: ModelOptions = {}) =>
  diffModels({ label: a, model: inspectModel(ZOO.get(a)!, ao) }, { label: b, model: inspectModel(ZOO.get(b)!, bo), numClassesSet: bo.numClasses !== undefined });

describe('visibleRows', () => {
  const d = diff('cifar_resnet20', 'cifar_resnet32');
  test('depth 1: sections only', () => {
    expect(visibleRows(d.rows, 1).map((v) => (v.kind === 'row' ? v.row.a?.path : v.kind))).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'head']);
  });
  test('depth 2: the blocks of changed stages, unchanged runs collapsed, added blocks', () => {
    const v = visibleRows(d.rows, 2);
    expect(v.map((x) => (x.kind === 'row' ? `${x.row.status} ${(x.row.a ?? x.row.b)!.path}` : `${x.count} unchanged ${x.first}…${x.last}`)).slice(0, 5)).toEqual([
      'same stem',
      'changed layer1',
      '3 unchanged layer1.0…layer1.2',
      'added layer1.3',
      'added layer1.4',
    ]);
    // under an added block nothing is listed, whatever the depth
    expect(visibleRows(d.rows, 3).length).toBe(v.length);
  });
  test('runLabel: within the parent, blocks whole', () => {
    expect(runLabel('layer1.0.conv1', 'layer1.0.bn3', 'layer1.0')).toBe('conv1 … bn3');
    expect(runLabel('layer1.0', 'layer1.2', 'layer1')).toBe('layer1.0 … layer1.2');
  });
});

describe('facts', () => {
  test('signed deltas and ratios', () => {
    expect([signed(5), signed(-528_128), signed(0)]).toEqual(['+5', '-528,128', '0']);
    expect([ratio(4_089_184_256, 19_079_364_608), ratio(0, 3)]).toEqual(['4.666×', '']);
  });
  test('totals, ops and the weights verdict of a deeper variant', () => {
    const d = diff('cifar_resnet20', 'cifar_resnet32');
    expect(totalRows(d).find((r) => r.label === 'Main-path depth')).toMatchObject({ a: '20', b: '32', delta: '+12', differs: true });
    // option A shortcuts (subsample and pad): no projection convs, 1 + 6n convs
    expect(opsText(d)).toBe('Conv 19 → 31, BatchNormalization 19 → 31, Relu 19 → 31, Add 9 → 15; others same');
    // 464,154 - 269,722 params (cifar_resnet32 - cifar_resnet20)
    expect(verdictText(d)).toBe('strict load fails; loads with --no-strict, leaving 60 tensors of B fresh (194,432 params drawn from the seed)');
    expect(weightsFacts(d).find((f) => f.label === 'only in B')!.value).toBe(
      "60 (missing from A's checkpoint): layer1.3, layer1.4, layer2.3, layer2.4, layer3.3, layer3.4 (whole blocks)",
    );
  });
  test('a classifier of another size: --num-classes', () => {
    const d = diff('cifar_resnet20', 'cifar_resnet20', {}, { numClasses: 100 });
    expect(verdictText(d)).toBe('loads (strict), leaving 2 tensors of B fresh (6,500 params drawn from the seed)');
    const notGiven = diffModels({ label: 'a', model: inspectModel(ZOO.get('cifar_resnet20')!) }, { label: 'b', model: inspectModel(ZOO.get('cifar_resnet20')!, { numClasses: 100 }) });
    expect(verdictText(notGiven)).toBe('strict load fails; loads with --num-classes, leaving 2 tensors of B fresh (6,500 params drawn from the seed)');
  });
});
