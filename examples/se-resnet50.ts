/**
 * SE-ResNet-50 (Hu et al., "Squeeze-and-Excitation Networks", 2018): a block netforge
 * does not ship, defined here with block() and used with resnet() like a built-in one.
 * Each bottleneck's residual branch is rescaled channel by channel before the addition:
 * squeeze (global average pooling to [N, C, 1, 1]), excite (1x1 conv down by the
 * reduction 16, ReLU, 1x1 conv back up, sigmoid), then scale (broadcast multiply).
 * 28,088,024 params: ResNet-50's 25,557,032 plus 2,530,992 in the 16 SE modules.
 *
 *   netforge summary examples/se-resnet50.ts
 */
import {
  adaptiveAvgPool2d,
  add,
  block,
  bottleneck,
  bottleneckBody,
  conv2d,
  defineModel,
  mul,
  relu,
  resnet,
  scope,
  sigmoid,
  type BottleneckOptions,
  type Tensor,
} from 'netforge';

export interface SEBottleneckOptions extends BottleneckOptions {
  /** Channels are divided by this in the excitation's bottleneck. Default 16 (the paper's). */
  readonly reduction: number;
}

/** The SE module, as `se.fc1` / `se.fc2` (1x1 convs with bias, as in the paper's reference code). */
export function squeezeExcite(x: Tensor, channels: number, reduction: number): Tensor {
  return scope('se', () => {
    let s = adaptiveAvgPool2d(x, { name: 'pool' });
    s = relu(conv2d(s, { name: 'fc1', outChannels: Math.floor(channels / reduction), kernel: 1 }));
    s = sigmoid(conv2d(s, { name: 'fc2', outChannels: channels, kernel: 1 }));
    return mul(x, s);
  });
}

export const seBottleneck = block<SEBottleneckOptions>('SEBottleneck', { expansion: bottleneck.expansion }, (x, a) => {
  const y = squeezeExcite(bottleneckBody(x, a), a.planes * bottleneck.expansion, a.reduction ?? 16);
  return relu(add(y, a.downsample ? a.downsample(x) : x));
});

export default defineModel({
  name: 'se_resnet50',
  description: 'SE-ResNet-50, reduction 16',
  input: [3, 224, 224],
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 256, crop: 224, colorSpace: 'RGB' },
  build: (x, o) => resnet(x, { block: seBottleneck, layers: [3, 4, 6, 3], reduction: 16, numClasses: o.numClasses ?? 1000 }),
  expect: (o) => ({
    // The depth rule counts weighted layers on the longest path, and that path now goes
    // through each block's two SE convs: 49 + 16 x 2 = 81 convs. The name keeps ResNet-50's.
    mainPath: { conv: 81, linear: 1 },
    shortcutProjections: 4,
    ...((o.numClasses ?? 1000) === 1000 ? { params: 28_088_024 } : {}),
  }),
});
