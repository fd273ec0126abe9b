/**
 * ResNet-50 written out the way the paper's table 1 reads (He et al. 2015), from the DSL's
 * building blocks rather than resnet(): a 7x7 stem, four stages of bottleneck blocks
 * (3, 4, 6, 3) made by makeLayer under `layer1`..`layer4` scopes, global average pooling
 * and a 1000-way classifier. Module names follow torchvision's, so the state_dict keys,
 * and so torchvision's weights, match: 25,557,032 params, main-path depth 50.
 *
 *   netforge summary examples/resnet50.ts
 */
import {
  adaptiveAvgPool2d,
  batchNorm2d,
  bottleneck,
  conv2d,
  defineModel,
  flatten,
  linear,
  makeLayer,
  maxPool2d,
  relu,
  scope,
  type ModelOptions,
  type Tensor,
} from 'netforge';

/** conv1: 7x7/2, 64 filters; then 3x3/2 max pooling. 224 -> 56. */
function stem(x: Tensor): Tensor {
  const y = conv2d(x, { name: 'conv1', outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  return maxPool2d(relu(batchNorm2d(y, { name: 'bn1' })), { kernel: 3, stride: 2, padding: 1 });
}

/** [planes, blocks, stride] per stage: conv2_x .. conv5_x in the paper. */
const STAGES = [
  [64, 3, 1],
  [128, 4, 2],
  [256, 6, 2],
  [512, 3, 2],
] as const;

function resnet50(x: Tensor, o: ModelOptions): Tensor {
  let y = stem(x);
  STAGES.forEach(([planes, blocks, stride], i) => {
    y = scope(`layer${i + 1}`, () => makeLayer(y, { block: bottleneck, planes, blocks, stride })).out;
  });
  y = flatten(adaptiveAvgPool2d(y));
  return linear(y, { name: 'fc', outFeatures: o.numClasses ?? 1000 });
}

const at224 = (o: ModelOptions): boolean => o.input === undefined || o.input.join() === '3,224,224';

export default defineModel({
  name: 'resnet50_by_hand',
  description: 'ResNet-50 v1.5 written with bottleneck, makeLayer and scope',
  input: [3, 224, 224],
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 256, crop: 224, colorSpace: 'RGB' },
  build: resnet50,
  expect: (o) => ({
    mainPath: { conv: 49, linear: 1 },
    depth: 50,
    shortcutProjections: 4,
    // torchvision's published figures (REFERENCE.md)
    ...((o.numClasses ?? 1000) === 1000 ? { params: 25_557_032 } : {}),
    ...((o.numClasses ?? 1000) === 1000 && at224(o) ? { macs: 4_089_184_256 } : {}),
  }),
});
