import { describe, expect, test } from 'vitest';
import { buildGraph } from './builder.js';
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
