import { describe, expect, test } from 'vitest';
import { ZOO } from '../zoo/index.js';
import { defineModel, type ModelOptions } from '../dsl/model.js';
import { adaptiveAvgPool2d, avgPool2d, batchNorm2d, conv2d, flatten, linear, relu } from '../dsl/layers.js';
import { scope } from '../dsl/builder.js';
import { makeLayer } from '../dsl/resnet.js';
import { basicBlock } from '../dsl/blocks.js';
import { inspectModel } from '../inspect.js';
import { allRows, diffTree, type DiffRow } from './tree.js';

const structure = (name: string, o: ModelOptions = {}) => inspectModel(ZOO.get(name)!, o).structure;
const brief = (rows: readonly DiffRow[]): string[] => rows.map((r) => `${r.status}:${r.a?.path ?? '-'}/${r.b?.path ?? '-'}${r.changed.length ? `[${r.changed.join(',')}]` : ''}`);

/** A two-stage net whose stages are named `${prefix}1`, `${prefix}2`. */
function twoStage(prefix: string, blocks2 = 1) {
  return defineModel({
    name: `net_${prefix}`,
    input: [3, 32, 32],
    build: (x) => {
      let y = relu(batchNorm2d(conv2d(x, { name: 'conv1', outChannels: 16, kernel: 3, padding: 1, bias: false }), { name: 'bn1' }));
      y = scope(`${prefix}1`, () => makeLayer(y, { block: basicBlock, planes: 16, blocks: 1 })).out;
      y = scope(`${prefix}2`, () => makeLayer(y, { block: basicBlock, planes: 32, blocks: blocks2, stride: 2 })).out;
      return linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: 10 });
    },
  });
}

describe('diffTree', () => {
  test('a model against itself: every row the same', () => {
    const rows = allRows(diffTree(structure('cifar_resnet20'), structure('cifar_resnet20')));
    expect(rows.length).toBeGreaterThan(60);
    expect(rows.every((r) => r.status === 'same' && r.changed.length === 0)).toBe(true);
  });

  test('blocks added at the end of each stage; the stages change type, params and MACs', () => {
    const rows = diffTree(structure('cifar_resnet20'), structure('cifar_resnet32'));
    expect(brief(rows)).toEqual([
      'same:stem/stem',
      'changed:layer1/layer1[type,params,macs]',
      'changed:layer2/layer2[type,params,macs]',
      'changed:layer3/layer3[type,params,macs]',
      'same:head/head',
    ]);
    expect(brief(rows[1]!.children)).toEqual(['same:layer1.0/layer1.0', 'same:layer1.1/layer1.1', 'same:layer1.2/layer1.2', 'added:-/layer1.3', 'added:-/layer1.4']);
    expect(rows[1]!.a!.type).toBe('3 x BasicBlock');
    expect(rows[1]!.b!.type).toBe('5 x BasicBlock');
    // everything under an added block is added
    expect(allRows(rows[1]!.children[3]!.children).every((r) => r.status === 'added' && r.a === undefined)).toBe(true);
  });

  test('output stride 8: the dilated stages change shape, kernel and MACs, params stay', () => {
    const rows = diffTree(structure('resnet50'), structure('resnet50', { replaceStrideWithDilation: [false, true, true] }));
    const layer4 = rows.find((r) => r.a?.path === 'layer4')!;
    expect(layer4.changed).toEqual(['outputShape', 'kernel', 'macs']);
    const conv2 = layer4.children[1]!.children.find((r) => r.a?.path === 'layer4.1.conv2')!;
    expect([conv2.a!.kernel, conv2.b!.kernel]).toEqual(['3x3 s1 d1 g1', '3x3 s1 d4 g1']);
    expect(rows.filter((r) => r.status === 'same').map((r) => r.a!.path)).toEqual(['stem', 'layer1', 'layer2', 'head']);
  });

  test('renamed stages pair by structure, their blocks by index; a block added to one of them is added', () => {
    const a = inspectModel(twoStage('layer')).structure;
    const b = inspectModel(twoStage('stage', 2)).structure;
    const rows = diffTree(a, b);
    expect(brief(rows)).toEqual([
      'same:stem/stem',
      'changed:layer1/stage1[path]',
      'changed:layer2/stage2[path,type,params,macs]',
      'same:head/head',
    ]);
    expect(brief(rows[1]!.children)).toEqual(['same:layer1.0/stage1.0']);
    expect(brief(rows[2]!.children)).toEqual(['same:layer2.0/stage2.0', 'added:-/stage2.1']);
  });

  test('layers pair by name and op: a pool put in front of a conv is added, the conv pairs with the conv', () => {
    const net = (pool: boolean) =>
      defineModel({
        name: pool ? 'pooled' : 'plain',
        input: [3, 16, 16],
        build: (x) =>
          scope('down', () => {
            let y = x;
            let i = 0;
            if (pool) y = avgPool2d(y, { name: String(i++), kernel: 2, stride: 2 });
            y = conv2d(y, { name: String(i++), outChannels: 8, kernel: 1, stride: pool ? 1 : 2, bias: false });
            return batchNorm2d(y, { name: String(i++) });
          }),
      });
    const rows = diffTree(inspectModel(net(false)).structure, inspectModel(net(true)).structure);
    // `down.0`, `down.1`: integer children make `down` a stage of one-layer blocks (structure.ts, rule 2)
    expect(brief(rows)).toEqual(['changed:down/down[type,kernel]']);
    expect(brief(rows[0]!.children)).toEqual(['added:-/down.0', 'changed:down.0/down.1[path,kernel]', 'changed:down.1/down.2[path]']);
  });
});
