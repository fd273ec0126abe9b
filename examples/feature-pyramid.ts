/**
 * A ResNet-50 backbone for a detection or segmentation neck (a feature pyramid network,
 * Lin et al. 2017): any input size, and three outputs, the maps of layer2, layer3 and
 * layer4 at strides 8, 16 and 32, as torchvision's IntermediateLayerGetter or timm's
 * features_only would return them. H and W are declared multiples of 32, so every map
 * is an exact fraction of the input (what an FPN's 2x upsampling needs to add maps up).
 * Module names follow torchvision's, so its resnet50 checkpoints load (--no-strict: the
 * fc layer is not part of this model).
 *
 *   netforge summary examples/feature-pyramid.ts --depth 1
 *   netforge compile examples/feature-pyramid.ts -o fpn-backbone.onnx --emit-ts fpn-backbone.ts
 */
import { bottleneck, defineModel, resnetStages } from 'netforge';

export default defineModel({
  name: 'resnet50_fpn_backbone',
  description: 'ResNet-50 features at strides 8, 16 and 32, any multiple of 32',
  input: [3, 'H', 'W'],
  reference: [3, 224, 224],
  dims: { H: { multipleOf: 32 }, W: { multipleOf: 32 } },
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], colorSpace: 'RGB' },
  build: (x) => {
    // the stem, then layer1..layer4, each stage's output in order
    const [, c3, c4, c5] = resnetStages(x, { block: bottleneck, layers: [3, 4, 6, 3] });
    return { c3: c3!, c4: c4!, c5: c5! };
  },
  // ResNet-50 without avgpool and fc: 25,557,032 - 2,049,000 params
  expect: { mainPath: { conv: 49, linear: 0 }, shortcutProjections: 4, params: 23_508_032 },
});
