/**
 * A DeepLabv3-style backbone (Chen et al. 2017): ResNet-50 with the strides of layer3 and
 * layer4 replaced by dilation (replaceStrideWithDilation [false, true, true], output
 * stride 8) and no classifier (includeTop: false). The last feature map is the output,
 * named `features`: [N, 2048, 28, 28] at 224x224, [N, 2048, 64, 64] at 512x512.
 *
 *   netforge summary examples/deeplab-backbone.ts --input-size 512
 */
import { bottleneck, defineModel, resnet } from 'netforge';

/** ResNet-50's params without its fc layer (2048 x 1000 weights + 1000 biases). */
const BACKBONE_PARAMS = 25_557_032 - (2048 * 1000 + 1000);

export default defineModel({
  name: 'deeplab_resnet50_backbone',
  description: 'ResNet-50, output stride 8, no classifier',
  input: [3, 224, 224],
  outputName: 'features',
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], colorSpace: 'RGB' },
  build: (x, o) =>
    resnet(x, {
      block: bottleneck,
      layers: [3, 4, 6, 3],
      replaceStrideWithDilation: o.replaceStrideWithDilation ?? [false, true, true],
      includeTop: false,
    }),
  expect: { mainPath: { conv: 49, linear: 0 }, depth: 49, shortcutProjections: 4, params: BACKBONE_PARAMS },
});
