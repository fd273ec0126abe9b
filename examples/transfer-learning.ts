/**
 * Transfer learning: an ImageNet ResNet-50 backbone, frozen (its params are marked not
 * trainable, and the summary counts them apart), under a new head for the 37 breeds of
 * the Oxford-IIIT Pet dataset. Load torchvision's weights with --weights: the backbone's
 * names match, and `fc` is new (37 x 2048 + 37 = 75,813 trainable params).
 *
 *   netforge summary examples/transfer-learning.ts
 */
import { adaptiveAvgPool2d, bottleneck, defineModel, flatten, frozen, linear, resnet } from 'netforge';

const PET_BREEDS = 37;

export default defineModel({
  name: 'resnet50_pets',
  description: 'frozen ResNet-50 backbone + a new 37-way classifier',
  input: [3, 224, 224],
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 256, crop: 224, colorSpace: 'RGB' },
  build: (x, o) => {
    const features = frozen(() => resnet(x, { block: bottleneck, layers: [3, 4, 6, 3], includeTop: false }));
    const pooled = flatten(adaptiveAvgPool2d(features));
    return linear(pooled, { name: 'fc', outFeatures: o.numClasses ?? PET_BREEDS });
  },
  expect: { mainPath: { conv: 49, linear: 1 }, depth: 50, shortcutProjections: 4 },
});
