/** A small residual net for the quantization tests (float32, seeded weights). */
import type { Graph } from '../../src/ir/types.js';
import { buildGraph } from '../../src/dsl/builder.js';
import { adaptiveAvgPool2d, add, conv2d, flatten, linear, maxPool2d, relu } from '../../src/dsl/layers.js';
import { initParams } from '../../src/passes/initParams.js';

/** conv-relu-maxpool, a residual block (conv-relu-conv + add-relu), global pool, fc. */
export function toyResidual(o: { head?: boolean; symbolic?: boolean } = {}): Graph {
  const sizes = o.symbolic
    ? { input: [3, 'H', 'W'], symbols: new Map([['H', { reference: 12, multipleOf: 1 }], ['W', { reference: 12, multipleOf: 1 }]]) }
    : { input: [3, 12, 12] };
  const g = buildGraph({ name: 'toy', ...sizes, ...(o.head === false ? { outputName: 'features' } : {}) }, (x) => {
    let y = relu(conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1, bias: true }), { name: 'relu' });
    y = maxPool2d(y, { name: 'maxpool', kernel: 2, stride: 2 });
    let z = relu(conv2d(y, { name: 'block.conv1', outChannels: 8, kernel: 3, padding: 1, bias: true }), { name: 'block.relu' });
    z = conv2d(z, { name: 'block.conv2', outChannels: 8, kernel: 3, padding: 1, bias: true });
    y = relu(add(z, y, { name: 'block.add' }), { name: 'block.relu_1' });
    if (o.head === false) return y;
    return linear(flatten(adaptiveAvgPool2d(y, { name: 'avgpool' }), { name: 'flatten' }), { name: 'fc', outFeatures: 5 });
  });
  return initParams(g, 3);
}
