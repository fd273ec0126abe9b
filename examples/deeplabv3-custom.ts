/**
 * DeepLabV3 your way (Chen et al. 2017): a ResNet-50 at output stride 16 (only layer4
 * trades its stride for dilation: replaceStrideWithDilation [false, false, true]), ASPP with
 * the paper's rates for that stride, [6, 12, 18], and 7 classes (o.numClasses, so
 * --num-classes changes it). The logits are resized back to the image's size, whatever it
 * is: one compiled file takes any H and W; MACs are counted at 512 x 512. Module names are
 * torchvision's (`backbone.layer4.2.conv2`, `classifier.0.convs.1.0`), and `backbone` says
 * where a ResNet-50 ImageNet checkpoint goes (--weights imagenet1k_v1 is torchvision's
 * weights_backbone: the head starts from the seed).
 *
 *   netforge summary examples/deeplabv3-custom.ts --depth 1
 *   netforge compile examples/deeplabv3-custom.ts -o seg.onnx --check
 */
import { bottleneck, deeplabHead, defineModel, interpolate, resnetStages, scope } from 'netforge';

/** deeplabv3_resnet50's params (39,638,869 at 21 classes) with a 7-class 1x1 classifier: 14 x 256 weights and 14 biases fewer. */
const PARAMS_7_CLASSES = 39_638_869 - 14 * 256 - 14;

export default defineModel({
  name: 'deeplabv3_resnet50_os16',
  description: 'DeepLabV3, ResNet-50 at output stride 16, ASPP rates 6, 12, 18',
  input: [3, 'H', 'W'],
  reference: [3, 512, 512],
  preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], colorSpace: 'RGB' },
  backbone: { prefix: 'backbone', ignore: ['fc'] },
  build: (x, o) => {
    const stages = scope('backbone', () => resnetStages(x, { block: bottleneck, layers: [3, 4, 6, 3], replaceStrideWithDilation: [false, false, true] }));
    const logits = deeplabHead(stages[3]!, { numClasses: o.numClasses ?? 7, rates: [6, 12, 18], inChannels: 2048 });
    return { out: interpolate(logits, { size: x, name: 'out' }) };
  },
  // 49 backbone convs + ASPP branch, projection, 3x3 and 1x1 on the longest path
  expect: (o) => ({ mainPath: { conv: 53, linear: 0 }, shortcutProjections: 4, ...(o.numClasses === undefined ? { params: PARAMS_7_CLASSES } : {}) }),
});
