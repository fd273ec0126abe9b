/** A small SE-ResNet (Hu et al. 2018) for the report tests, built as examples/se-resnet50.ts does. */
import { buildGraph, scope, type Tensor } from '../../src/dsl/builder.js';
import { add, adaptiveAvgPool2d, conv2d, mul, relu, sigmoid } from '../../src/dsl/layers.js';
import { block } from '../../src/dsl/block.js';
import { bottleneckBody } from '../../src/dsl/blocks.js';
import { resnet } from '../../src/dsl/resnet.js';
import { inferShapes } from '../../src/passes/inferShapes.js';
import { describeModel, type ModelStructure } from '../../src/backends/report/structure.js';

/** `excite` maps the pooled [N, C, 1, 1] tensor to the gate's logits (default: fc C/4, relu, fc C). */
export function seNet(
  layers: readonly number[] = [2, 2],
  excite: (s: Tensor, c: number) => Tensor = (s, c) => conv2d(relu(conv2d(s, { name: 'fc1', outChannels: c / 4, kernel: 1 })), { name: 'fc2', outChannels: c, kernel: 1 }),
): ModelStructure {
  const seBlock = block('SEBottleneck', { expansion: 4 }, (x, a) => {
    const y = bottleneckBody(x, a);
    const s = scope('se', () => mul(y, sigmoid(excite(adaptiveAvgPool2d(y, { name: 'pool' }), a.planes * 4))));
    return relu(add(s, a.downsample ? a.downsample(x) : x));
  });
  const g = buildGraph({ name: 'se', input: [3, 64, 64] }, (x) => resnet(x, { block: seBlock, layers, widths: layers.map((_, i) => 8 << i), numClasses: 5 }));
  return describeModel(inferShapes(g));
}
