import { expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, expectationsFor } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { summaryJson } from './summaryJson.js';

test('summary JSON: the contract keys, plus stages with their blocks', () => {
  const def = ZOO.get('cifar_resnet20')!;
  const j = summaryJson(describeModel(inferShapes(buildModel(def))), expectationsFor(def, {}));
  expect(j).toMatchObject({ model: 'cifar_resnet20', input: ['N', 3, 32, 32], params: 269_722, depth: 20, mainPath: { conv: 19, linear: 1 }, output: ['N', 10], outputName: 'logits' });
  expect(j.ops['Pad']).toBe(2);
  expect(Object.keys(j.layers[0]!)).toEqual(['name', 'module', 'op', 'outputShape', 'params', 'macs']);
  expect(j.stages.map((s) => s.name)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'head']);
  expect(j.stages[2]!.blocks[0]).toEqual({
    name: 'layer2.0',
    type: 'BasicBlock',
    outputShape: ['N', 32, 16, 16],
    params: 13_952,
    macs: 3_538_944,
    shortcut: { kind: 'optionA', detail: 'subsample + zero pad' },
  });
  expect(j.verified.every((v) => v.ok)).toBe(true);
  expect(j.sizeMB).toEqual({ float32: 1.079, float16: 0.539 });
  expect(JSON.parse(JSON.stringify(j))).toEqual(j);
});
