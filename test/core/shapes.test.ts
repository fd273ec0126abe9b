import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { buildModel } from '../../src/dsl/model.js';
import { inferShapes } from '../../src/passes/inferShapes.js';
import type { Graph, Shape } from '../../src/ir/types.js';

const shapeOf = (g: Graph, name: string): Shape => {
  const v = g.values.get(name);
  if (!v) throw new Error(`no value ${name}`);
  return v.shape;
};
/** The output of a stage = the output of its last block's final relu. */
const stageOut = (g: Graph, stage: string): Shape => {
  const last = g.nodes.filter((n) => n.module.startsWith(`${stage}.`)).at(-1)!;
  return shapeOf(g, last.outputs[0]!);
};

describe('resnet50 shapes at 224', () => {
  const g = buildModel(ZOO.get('resnet50')!);
  test('stem and stages: 112, 56, 56, 28, 14, 7', () => {
    expect(shapeOf(g, 'conv1')).toEqual(['N', 64, 112, 112]);
    expect(shapeOf(g, 'maxpool')).toEqual(['N', 64, 56, 56]);
    expect(stageOut(g, 'layer1')).toEqual(['N', 256, 56, 56]);
    expect(stageOut(g, 'layer2')).toEqual(['N', 512, 28, 28]);
    expect(stageOut(g, 'layer3')).toEqual(['N', 1024, 14, 14]);
    expect(stageOut(g, 'layer4')).toEqual(['N', 2048, 7, 7]);
    expect(shapeOf(g, 'logits')).toEqual(['N', 1000]);
  });
  test('stride sits on the 3x3 conv (v1.5)', () => {
    expect(shapeOf(g, 'layer2.0.conv1')).toEqual(['N', 128, 56, 56]);
    expect(shapeOf(g, 'layer2.0.conv2')).toEqual(['N', 128, 28, 28]);
  });
  test('inferShapes reproduces the builder shapes exactly (returns the same graph)', () => {
    expect(inferShapes(g)).toBe(g);
  });
});

describe('replaceStrideWithDilation [false, true, true]', () => {
  const g = buildModel(ZOO.get('resnet50')!, { replaceStrideWithDilation: [false, true, true] });
  test('layer3 and layer4 stay 28x28', () => {
    expect(stageOut(g, 'layer2')).toEqual(['N', 512, 28, 28]);
    expect(stageOut(g, 'layer3')).toEqual(['N', 1024, 28, 28]);
    expect(stageOut(g, 'layer4')).toEqual(['N', 2048, 28, 28]);
  });
  test('the first block of a dilated stage keeps the previous dilation (torchvision)', () => {
    const attrs = (name: string) => g.nodes.find((n) => n.name === name)!.attrs as { dilation: readonly number[]; stride: readonly number[]; pads: readonly number[] };
    expect(attrs('layer3.0.conv2').dilation).toEqual([1, 1]);
    expect(attrs('layer3.1.conv2').dilation).toEqual([2, 2]);
    expect(attrs('layer4.0.conv2').dilation).toEqual([2, 2]);
    expect(attrs('layer4.1.conv2').dilation).toEqual([4, 4]);
    expect(attrs('layer4.1.conv2').pads).toEqual([4, 4, 4, 4]);
    expect(attrs('layer3.0.downsample.0').stride).toEqual([1, 1]);
  });
  test('params are unchanged by dilation', () => {
    expect([...g.params.keys()]).toEqual([...buildModel(ZOO.get('resnet50')!).params.keys()]);
  });
});

test('cifar_resnet20: 32x32 -> 32, 16, 8 with option A shortcuts', () => {
  const g = buildModel(ZOO.get('cifar_resnet20')!);
  expect(stageOut(g, 'layer1')).toEqual(['N', 16, 32, 32]);
  expect(stageOut(g, 'layer2')).toEqual(['N', 32, 16, 16]);
  expect(stageOut(g, 'layer3')).toEqual(['N', 64, 8, 8]);
  expect(shapeOf(g, 'layer2.0.shortcut.slice')).toEqual(['N', 16, 16, 16]);
  expect(shapeOf(g, 'layer2.0.shortcut.pad')).toEqual(['N', 32, 16, 16]);
});
