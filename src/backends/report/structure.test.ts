import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, type ModelOptions } from '../../dsl/model.js';
import { buildGraph, scope, setMeta, type Tensor } from '../../dsl/builder.js';
import { makeLayer } from '../../dsl/resnet.js';
import { bottleneck } from '../../dsl/blocks.js';
import { add, conv2d, flatten, linear, mul, relu, sigmoid, adaptiveAvgPool2d } from '../../dsl/layers.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { aggregateKernelSpec, allBlocks, blockRuns, describeModel, notableLayers } from './structure.js';
import { seNet } from '../../../test/helpers/seNet.js';

const zoo = (name: string, o: ModelOptions = {}) => describeModel(inferShapes(buildModel(ZOO.get(name)!, o)));
const runLengths = (m: ReturnType<typeof describeModel>, stage: string) => blockRuns(m.sections.find((s) => s.name === stage)!.blocks).map((r) => r.blocks.length);

describe('describeModel reads the builder\'s records', () => {
  test('a hand-written ResNet-50 (makeLayer under scope, no resnet() config) says Bottleneck, not Block', () => {
    const STAGES = [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]] as const;
    const g = inferShapes(
      buildGraph({ name: 'by_hand', input: [3, 64, 64] }, (x) => {
        let y = conv2d(x, { name: 'conv1', outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
        STAGES.forEach(([planes, blocks, stride], i) => {
          y = scope(`layer${i + 1}`, () => makeLayer(y, { block: bottleneck, planes, blocks, stride })).out;
        });
        return linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: 10 });
      }),
    );
    const m = describeModel(g);
    expect(m.config).toBeUndefined();
    expect(m.sections.filter((s) => s.kind === 'stage').map((s) => [s.name, s.blocks.length, [...new Set(s.blocks.map((b) => b.type))]])).toEqual([
      ['layer1', 3, ['Bottleneck']],
      ['layer2', 4, ['Bottleneck']],
      ['layer3', 6, ['Bottleneck']],
      ['layer4', 3, ['Bottleneck']],
    ]);
    // the fallback (names only) would have said Block: the records are what changed it
    expect(new Set(allBlocks(describeModel({ ...g, modules: [] })).map((b) => b.type))).toEqual(new Set(['Block']));
  });
  test('stages and blocks nested under another module (a segmentation backbone) are found by their paths', () => {
    const g = inferShapes(
      buildGraph({ name: 'nested', input: [3, 32, 32] }, (x) =>
        scope('backbone', () => {
          const y = conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1 });
          return scope('layer1', () => makeLayer(y, { block: bottleneck, planes: 2, blocks: 2 })).out;
        }),
      ),
    );
    const m = describeModel(g);
    expect(m.sections.map((s) => [s.kind, s.name])).toEqual([['stem', 'stem'], ['stage', 'backbone.layer1']]);
    expect(m.sections[1]!.blocks.map((b) => [b.path, b.type])).toEqual([['backbone.layer1.0', 'Bottleneck'], ['backbone.layer1.1', 'Bottleneck']]);
    // identical blocks (8 -> 8 channels, no projection) still collapse into one run under a nested path
    expect(blockRuns(m.sections[1]!.blocks).map((r) => r.blocks.length)).toEqual([2]);
  });
});

describe('describeModel on the zoo', () => {
  const r50 = zoo('resnet50');
  test('stem -> layer1..layer4 -> head', () => {
    expect(r50.sections.map((s) => [s.kind, s.name])).toEqual([
      ['stem', 'stem'],
      ['stage', 'layer1'],
      ['stage', 'layer2'],
      ['stage', 'layer3'],
      ['stage', 'layer4'],
      ['head', 'head'],
    ]);
    expect(r50.sections[0]!.modules).toEqual(['conv1', 'bn1', 'relu', 'maxpool']);
    expect(r50.sections[5]!.modules).toEqual(['avgpool', 'flatten', 'fc']);
    expect(r50.sections.map((s) => s.blocks.length)).toEqual([0, 3, 4, 6, 3, 0]);
  });
  test('sections add up to the model', () => {
    expect(r50.sections.reduce((a, s) => a + s.params, 0)).toBe(25_557_032);
    expect(r50.sections.reduce((a, s) => a + s.macs, 0)).toBe(4_089_184_256);
    expect(r50.sections.reduce((a, s) => a + s.layers.length, 0)).toBe(r50.stats.layers.length);
    expect(r50.sections[4]!.outputShape).toEqual(['N', 2048, 7, 7]);
  });
  test('blocks: type from the config, shortcut from the graph', () => {
    const blocks = allBlocks(r50);
    expect(blocks).toHaveLength(16);
    expect(new Set(blocks.map((b) => b.type))).toEqual(new Set(['Bottleneck']));
    expect(blocks.filter((b) => b.shortcut.kind === 'projection').map((b) => b.path)).toEqual(['layer1.0', 'layer2.0', 'layer3.0', 'layer4.0']);
    expect(blocks.filter((b) => b.shortcut.kind === 'identity')).toHaveLength(12);
    const b = blocks.find((x) => x.path === 'layer2.0')!;
    expect(b.body.filter((l) => l.node.op === 'Conv').map((l) => l.node.name)).toEqual(['layer2.0.conv1', 'layer2.0.conv2', 'layer2.0.conv3']);
    expect(b.layers.filter((l) => l.onShortcut).map((l) => l.node.name)).toEqual(['layer2.0.downsample.0', 'layer2.0.downsample.1']);
    expect(b.merge?.node.name).toBe('layer2.0.add');
    expect(b.tail.map((l) => l.node.name)).toEqual(['layer2.0.relu_2']);
  });
  test('identical blocks form runs', () => {
    const r152 = zoo('resnet152');
    expect(runLengths(r152, 'layer3')).toEqual([1, 35]);
    expect(runLengths(r152, 'layer1')).toEqual([1, 2]);
    const c20 = zoo('cifar_resnet20');
    expect(runLengths(c20, 'layer1')).toEqual([3]);
    expect(runLengths(c20, 'layer2')).toEqual([1, 2]);
    expect(allBlocks(c20).find((b) => b.path === 'layer2.0')!.shortcut.kind).toBe('optionA');
  });
  test('a dilated stage: its first block keeps the previous dilation, so it stands alone', () => {
    const d = zoo('resnet50', { replaceStrideWithDilation: [false, true, true] });
    expect(runLengths(d, 'layer3')).toEqual([1, 5]);
    expect(runLengths(d, 'layer4')).toEqual([1, 2]);
  });
  test('aggregate kernel specs: largest kernel, total stride, largest dilation and groups', () => {
    const x = zoo('resnext101_32x8d');
    expect(aggregateKernelSpec(x.sections[0]!.layers)).toBe('7x7 s4 d1 g1');
    expect(aggregateKernelSpec(allBlocks(x).find((b) => b.path === 'layer2.0')!.layers)).toBe('3x3 s2 d1 g32');
    expect(aggregateKernelSpec(x.sections[5]!.layers)).toBe('');
    const d = zoo('resnet50', { replaceStrideWithDilation: [false, true, true] });
    expect(aggregateKernelSpec(d.sections[4]!.layers)).toBe('3x3 s1 d4 g1');
  });
  test('notable layers leave BatchNorm, ReLU, Flatten and Add implied', () => {
    expect(notableLayers(r50.sections[0]!.layers).map((l) => l.node.op)).toEqual(['Conv', 'MaxPool']);
    expect(notableLayers(r50.sections[5]!.layers).map((l) => l.node.op)).toEqual(['GlobalAveragePool', 'Gemm']);
  });
});

describe('describeModel on graphs not built by resnet()', () => {
  const resBlock = (x: Tensor): Tensor => relu(add(conv2d(x, { name: 'conv', outChannels: 4, kernel: 3, padding: 1 }), x));
  test('no config: blocks are typed Block; a module between stages is its own section', () => {
    const g = buildGraph({ name: 'custom', input: [4, 8, 8] }, (x) => {
      let y = conv2d(x, { name: 'stem', outChannels: 4, kernel: 3, padding: 1 });
      y = scope('stage1', () => scope(0, () => resBlock(y)));
      y = conv2d(y, { name: 'transition', outChannels: 4, kernel: 1 });
      y = scope('stage2', () => scope(0, () => resBlock(y)));
      return linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: 3 });
    });
    const m = describeModel(inferShapes(g));
    expect(m.config).toBeUndefined();
    expect(m.sections.map((s) => [s.kind, s.name])).toEqual([
      ['stem', 'stem'],
      ['stage', 'stage1'],
      ['modules', 'transition'],
      ['stage', 'stage2'],
      ['head', 'head'],
    ]);
    expect(allBlocks(m).map((b) => [b.path, b.type, b.shortcut.kind])).toEqual([
      ['stage1.0', 'Block', 'identity'],
      ['stage2.0', 'Block', 'identity'],
    ]);
  });
  test('no stages: one section per top-level module; a config names the block type', () => {
    const g = buildGraph({ name: 'plain', input: [3, 8, 8] }, (x) => {
      setMeta('netforge.config', '{"block":"MyBlock"}');
      return relu(conv2d(x, { name: 'conv', outChannels: 4, kernel: 3 }), { name: 'act' });
    });
    const m = describeModel(inferShapes(g));
    expect(m.config).toEqual({ block: 'MyBlock' });
    expect(m.sections.map((s) => [s.kind, s.name, s.layers.length])).toEqual([
      ['modules', 'conv', 1],
      ['modules', 'act', 1],
    ]);
  });
  test('a malformed config is ignored', () => {
    const g = buildGraph({ name: 'bad', input: [3, 8, 8] }, (x) => {
      setMeta('netforge.config', '{oops');
      return relu(x);
    });
    expect(describeModel(inferShapes(g)).config).toBeUndefined();
  });
});

describe('gating branches', () => {
  test('resnet blocks have none', () => {
    for (const b of allBlocks(zoo('resnet50'))) {
      expect(b.gate).toEqual([]);
      expect(b.scale).toBeUndefined();
    }
  });
  test('an SE block carries its gate apart from its body; identical SE blocks still form runs', () => {
    const m = seNet([1, 3]);
    const b = allBlocks(m).find((x) => x.path === 'layer2.1')!;
    expect(b.type).toBe('SEBottleneck');
    expect(b.gate.map((l) => l.node.name)).toEqual(['layer2.1.se.pool', 'layer2.1.se.fc1', 'layer2.1.se.relu', 'layer2.1.se.fc2', 'layer2.1.se.sigmoid']);
    expect(b.body.map((l) => l.node.name)).not.toContain('layer2.1.se.fc1');
    expect(b.body[b.body.length - 1]).toBe(b.scale);
    expect(b.scale?.node.name).toBe('layer2.1.se.mul');
    expect(b.layers).toHaveLength(b.body.length + b.gate.length + 2); // + add, relu
    expect(runLengths(m, 'layer2')).toEqual([1, 2]);
  });
  test('the signature tells a gate from the same layers wired otherwise', () => {
    // the same layers, names and shapes; block 1 pools the block's input, which is not a gate
    const seBlock = (x: Tensor, pooled: 'y' | 'x'): Tensor => {
      const y = conv2d(x, { name: 'conv', outChannels: 4, kernel: 3, padding: 1 });
      const s = sigmoid(conv2d(adaptiveAvgPool2d(pooled === 'y' ? y : x, { name: 'pool' }), { name: 'fc', outChannels: 4, kernel: 1 }));
      return relu(add(mul(y, s), x));
    };
    const g = buildGraph({ name: 'wiring', input: [4, 8, 8] }, (x) =>
      scope('stage', () => {
        let y = x;
        (['y', 'x', 'y'] as const).forEach((p, i) => (y = scope(i, () => seBlock(y, p))));
        return y;
      }),
    );
    const m = describeModel(inferShapes(g));
    expect(allBlocks(m).map((b) => b.gate.length)).toEqual([3, 0, 3]);
    expect(runLengths(m, 'stage')).toEqual([1, 1, 1]);
  });
});

describe('describeModel on a segmentation model (recorded heads)', () => {
  const m = zoo('deeplabv3_resnet50', { auxLoss: true });
  test('one section per head, the logits\' resize in its head, the auxiliary head as a branch from layer3', () => {
    expect(m.sections.map((s) => [s.kind, s.name, s.type, s.from])).toEqual([
      ['stem', 'stem', undefined, undefined],
      ['stage', 'backbone.layer1', undefined, undefined],
      ['stage', 'backbone.layer2', undefined, undefined],
      ['stage', 'backbone.layer3', undefined, undefined],
      ['stage', 'backbone.layer4', undefined, undefined],
      ['head', 'classifier', 'DeepLabHead', undefined],
      ['head', 'aux_classifier', 'FCNHead', 'backbone.layer3'],
    ]);
    expect(m.sections[5]!.modules).toEqual(['classifier', 'out']);
    expect(m.sections[6]!.modules).toEqual(['aux_classifier', 'aux']);
    expect(m.sections.reduce((a, s) => a + s.params, 0)).toBe(42_004_074);
  });
  test('ASPP is the DeepLabHead\'s recorded block, with its 16 layers and its params', () => {
    const [aspp] = m.sections[5]!.headBlocks;
    expect([aspp!.path, aspp!.type, aspp!.layers.length, aspp!.params]).toEqual(['classifier.0', 'ASPP', 22, 15_535_104]);
    expect(m.sections[6]!.headBlocks).toEqual([]);
  });
});
