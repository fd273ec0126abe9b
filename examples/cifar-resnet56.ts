/**
 * ResNet-56 for CIFAR-10, section 4.2 of the paper (He et al. 2015): a 3x3 stem with 16
 * filters, then three stages of n = 9 basic blocks with 16, 32 and 64 filters, global
 * average pooling and a 10-way classifier. Shortcuts are option A: parameter-free,
 * subsampling by the stride and zero-padding the new channels. The depth, 6n + 2 = 56
 * weighted layers on the main path, is declared and checked on every compile.
 *
 *   netforge compile examples/cifar-resnet56.ts -o resnet56.onnx
 */
import { adaptiveAvgPool2d, basicBlock, batchNorm2d, conv2d, defineModel, flatten, linear, makeLayer, relu, scope } from 'netforge';

const n = 9;
const depth = 6 * n + 2;

export default defineModel({
  name: `cifar_resnet${depth}_by_hand`,
  description: `ResNet-${depth} for CIFAR-10 (n=${n}, option A shortcuts)`,
  input: [3, 32, 32],
  preprocessing: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], colorSpace: 'RGB' },
  build: (x, o) => {
    let y = relu(batchNorm2d(conv2d(x, { name: 'conv1', outChannels: 16, kernel: 3, padding: 1, bias: false }), { name: 'bn1' }));
    [16, 32, 64].forEach((planes, i) => {
      y = scope(`layer${i + 1}`, () => makeLayer(y, { block: basicBlock, planes, blocks: n, stride: i === 0 ? 1 : 2, shortcut: 'A' })).out;
    });
    return linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: o.numClasses ?? 10 });
  },
  expect: (o) => ({
    depth,
    mainPath: { conv: depth - 1, linear: 1 },
    shortcutProjections: 0,
    // the paper's table 6 says 0.85M; 853,018 exactly (REFERENCE.md)
    ...((o.numClasses ?? 10) === 10 ? { params: 853_018 } : {}),
  }),
});
