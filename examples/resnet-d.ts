/**
 * ResNet-50-D, from "Bag of Tricks for Image Classification with Convolutional Neural
 * Networks" (He et al. 2019), through resnet()'s `stem` and `shortcut` function options:
 * - the 7x7 stem conv becomes three 3x3 convs (32, 32, 64 filters, the first with
 *   stride 2), as `conv1.0` .. `conv1.6` like timm's resnet50d;
 * - a downsampling shortcut averages 2x2 windows (stride 2, ceil mode, padding not
 *   counted) before its 1x1 conv, which then has stride 1: no activations are skipped.
 * Together with ResNet-B's stride on the 3x3 conv (netforge's default bottleneck):
 * 25,576,264 params.
 *
 *   netforge summary examples/resnet-d.ts
 */
import {
  avgPool2d,
  batchNorm2d,
  bottleneck,
  conv2d,
  defineModel,
  maxPool2d,
  relu,
  resnet,
  scope,
  type ShortcutFn,
  type Tensor,
} from 'netforge';

/** Three 3x3 convs in place of the 7x7 (the last one's BatchNorm is `bn1`, as before), then max pooling. */
export function deepStem(x: Tensor): Tensor {
  const y = scope('conv1', () => {
    let s = conv2d(x, { name: '0', outChannels: 32, kernel: 3, stride: 2, padding: 1, bias: false });
    s = relu(batchNorm2d(s, { name: '1' }), { name: '2' });
    s = conv2d(s, { name: '3', outChannels: 32, kernel: 3, padding: 1, bias: false });
    s = relu(batchNorm2d(s, { name: '4' }), { name: '5' });
    return conv2d(s, { name: '6', outChannels: 64, kernel: 3, padding: 1, bias: false });
  });
  return maxPool2d(relu(batchNorm2d(y, { name: 'bn1' })), { kernel: 3, stride: 2, padding: 1 });
}

/** `downsample.0` average pooling (only where the block strides), `.1` 1x1 conv, `.2` BatchNorm. */
export const averagePoolShortcut: ShortcutFn = (x, a) =>
  scope('downsample', () => {
    const pooled = a.stride === 1 ? x : avgPool2d(x, { name: '0', kernel: 2, stride: a.stride, ceilMode: true, countIncludePad: false });
    return batchNorm2d(conv2d(pooled, { name: '1', outChannels: a.outChannels, kernel: 1, bias: false }), { name: '2' });
  });

export default defineModel({
  name: 'resnet50d',
  description: 'ResNet-50-D: deep stem, average-pool downsampling',
  input: [3, 224, 224],
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 256, crop: 224, colorSpace: 'RGB' },
  build: (x, o) =>
    resnet(x, { block: bottleneck, layers: [3, 4, 6, 3], stem: deepStem, shortcut: averagePoolShortcut, numClasses: o.numClasses ?? 1000 }),
  expect: (o) => ({
    // three stem convs instead of one: 51 convs + fc on the main path
    mainPath: { conv: 51, linear: 1 },
    depth: 52,
    shortcutProjections: 4,
    ...((o.numClasses ?? 1000) === 1000 ? { params: 25_576_264 } : {}),
  }),
});
