import { describe, expect, test } from 'vitest';
import { buildGraph } from '../dsl/builder.js';
import { adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, linear, relu } from '../dsl/layers.js';
import { fcnHead } from '../dsl/segmentation.js';
import { interpolate } from '../dsl/tensorOps.js';
import { classifierLayers } from './head.js';

const modules = (g: Parameters<typeof classifierLayers>[0]): string[] => classifierLayers(g).map((n) => n.module);

describe('classifierLayers', () => {
  test('a Linear after pooling (rule 1)', () => {
    const g = buildGraph({ name: 'c', input: [3, 8, 8] }, (x) => linear(flatten(adaptiveAvgPool2d(relu(conv2d(x, { name: 'conv', outChannels: 4, kernel: 3 })))), { name: 'fc', outFeatures: 10 }));
    expect(modules(g)).toEqual(['fc']);
  });
  test('segmentation heads\' 1x1 convs, through the resize to the image and the Dropout (rule 2)', () => {
    const g = buildGraph({ name: 's', input: [8, 16, 16] }, (x) => ({
      out: interpolate(fcnHead(x, { numClasses: 5 }), { size: x, name: 'out' }),
      aux: interpolate(fcnHead(x, { name: 'aux_classifier', numClasses: 5 }), { size: x, name: 'aux' }),
    }));
    expect(modules(g)).toEqual(['classifier.4', 'aux_classifier.4']);
  });
  test('not a backbone\'s last conv: a 3x3 one, or one followed by BatchNorm or ReLU', () => {
    expect(modules(buildGraph({ name: 'a', input: [3, 8, 8] }, (x) => conv2d(x, { name: 'c', outChannels: 8, kernel: 3 })))).toEqual([]);
    expect(modules(buildGraph({ name: 'b', input: [3, 8, 8] }, (x) => relu(batchNorm2d(conv2d(x, { name: 'c', outChannels: 8, kernel: 1 }), { name: 'bn' }))))).toEqual([]);
  });
});
