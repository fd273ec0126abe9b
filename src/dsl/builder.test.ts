import { describe, expect, test } from 'vitest';
import { buildGraph, scope } from './builder.js';
import { block } from './block.js';
import { bottleneck } from './blocks.js';
import { conv2d } from './layers.js';
import { resnet } from './resnet.js';

describe('buildGraph output names', () => {
  test('a classifier\'s [N, classes] output is `logits`, a backbone\'s feature map `features`, unless named', () => {
    const classifier = buildGraph({ name: 'c', input: [3, 32, 32] }, (x) => resnet(x, { block: bottleneck, layers: [1, 1], widths: [8, 16], numClasses: 4 }));
    expect(classifier.outputs).toEqual(['logits']);
    expect(classifier.values.get('logits')!.shape).toEqual(['N', 4]);
    const backbone = buildGraph({ name: 'b', input: [3, 32, 32] }, (x) => resnet(x, { block: bottleneck, layers: [1, 1], widths: [8, 16], includeTop: false }));
    expect(backbone.outputs).toEqual(['features']);
    expect(backbone.values.get('features')!.shape).toEqual(['N', 64, 4, 4]);
    const named = buildGraph({ name: 'n', input: [3, 8, 8], outputName: 'y' }, (x) => conv2d(x, { name: 'c', outChannels: 2, kernel: 1 }));
    expect(named.outputs).toEqual(['y']);
  });
});

describe('module kinds recorded while building', () => {
  test('makeLayer records its stage, block() its blocks; a user block calling a built-in one stays the user\'s', () => {
    const mine = block('MyBlock', { expansion: 4 }, (x, a) => bottleneck.build(x, a));
    const g = buildGraph({ name: 'r', input: [3, 32, 32] }, (x) => resnet(x, { block: mine, layers: [2, 1], widths: [8, 16], numClasses: 4 }));
    expect(g.modules).toEqual([
      { path: 'layer1', kind: 'stage', type: 'Sequential' },
      { path: 'layer1.0', kind: 'block', type: 'MyBlock' },
      { path: 'layer1.1', kind: 'block', type: 'MyBlock' },
      { path: 'layer2', kind: 'stage', type: 'Sequential' },
      { path: 'layer2.0', kind: 'block', type: 'MyBlock' },
    ]);
  });
  test('scope() can declare a kind (a head); nothing is recorded at the top level', () => {
    const g = buildGraph({ name: 'h', input: [3, 8, 8] }, (x) => {
      bottleneck.build; // a block built outside any scope records nothing
      return scope('classifier', () => conv2d(x, { name: '0', outChannels: 2, kernel: 1 }), { kind: 'head', type: 'FCNHead' });
    });
    expect(g.modules).toEqual([{ path: 'classifier', kind: 'head', type: 'FCNHead' }]);
  });
});
