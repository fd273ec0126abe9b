/**
 * torchvision's semantic segmentation models on dilated ResNets (torchvision.models.segmentation):
 * a ResNet-50/101 with replace_stride_with_dilation [False, True, True] (output stride 8) under
 * `backbone`, a head on layer4 under `classifier` (DeepLabHead or FCNHead), its logits resized
 * bilinearly to the input's H x W as output `out`; with `auxLoss`, an FCNHead on layer3 under
 * `aux_classifier`, resized likewise, as output `aux`.
 *
 * Any input size (symbolic H and W), counted at torchvision's evaluation size 520 x 520
 * (SemanticSegmentation(resize_size=520) in the weights' transforms). Parameter counts are
 * REFERENCE.md's (torchvision 0.14, 21 classes); MACs are the convolutions' at 520 x 520, as
 * torchvision's published GFLOPS count them (with the auxiliary head: 178.722 for
 * deeplabv3_resnet50; README "Segmentation").
 */
import { bottleneck, defineModel, interpolate, resnetStages, scope, type DefinedModel, type ModelOptions, type Tensor } from '../dsl/index.js';
import { deeplabHead, fcnHead } from '../dsl/segmentation.js';
import { positiveInt } from '../dsl/validate.js';

/** torchvision's SemanticSegmentation preset: resize the short side to 520, ImageNet statistics, no crop. */
export const SEGMENTATION_PREPROCESSING = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 520, colorSpace: 'RGB' } as const;

/** torchvision's default class count: Pascal VOC's 20 classes and the background. */
export const VOC_CLASSES = 21;

interface Spec {
  readonly name: string;
  readonly head: 'deeplabv3' | 'fcn';
  readonly layers: readonly [number, number, number, number];
  /** Parameters at 21 classes: [without, with] the auxiliary head. */
  readonly params: readonly [number, number];
  /** Convolution MACs at 520 x 520, 21 classes: [without, with] the auxiliary head. */
  readonly macs: readonly [number, number];
  readonly description: string;
}

const OUTPUT_STRIDE_8 = [false, true, true] as const;

/** Options that leave the published figures as they are. */
function isDefault(o: ModelOptions): boolean {
  const classes = o.numClasses === undefined || o.numClasses === VOC_CLASSES;
  const size = o.input === undefined || o.input.join() === '3,520,520';
  const dilation = o.replaceStrideWithDilation === undefined || o.replaceStrideWithDilation.join() === OUTPUT_STRIDE_8.join();
  return classes && size && dilation;
}

function segmentationModel(s: Spec): DefinedModel {
  const blocks = s.layers.reduce((a, b) => a + b, 0);
  const backboneConvs = 1 + 3 * blocks;
  // on the longest path: DeepLabHead's ASPP branch, projection, 3x3 and 1x1; FCNHead's 3x3 and 1x1
  const headConvs = s.head === 'deeplabv3' ? 4 : 2;
  return defineModel({
    name: s.name,
    description: s.description,
    input: [3, 'H', 'W'],
    reference: [3, 520, 520],
    preprocessing: SEGMENTATION_PREPROCESSING,
    auxHead: 'aux_classifier',
    backbone: { prefix: 'backbone', ignore: ['fc'] },
    build: (x, o) => {
      const numClasses = positiveInt(s.name, 'numClasses', o.numClasses ?? VOC_CLASSES, 1 << 16);
      const stages = scope('backbone', () =>
        resnetStages(x, {
          block: bottleneck,
          layers: s.layers,
          replaceStrideWithDilation: o.replaceStrideWithDilation ?? OUTPUT_STRIDE_8,
          ...(o.zeroInitResidual !== undefined ? { zeroInitResidual: o.zeroInitResidual } : {}),
        }),
      );
      const [layer3, layer4] = [stages[2]!, stages[3]!];
      const logits = s.head === 'deeplabv3' ? deeplabHead(layer4, { numClasses, inChannels: 2048 }) : fcnHead(layer4, { numClasses, inChannels: 2048 });
      const out: Record<string, Tensor> = { out: interpolate(logits, { size: x, name: 'out' }) };
      if (o.auxLoss === true) out['aux'] = interpolate(fcnHead(layer3, { name: 'aux_classifier', numClasses, inChannels: 1024 }), { size: x, name: 'aux' });
      return out;
    },
    expect: (o) => {
      const aux = o.auxLoss === true ? 1 : 0;
      return {
        mainPath: { conv: backboneConvs + headConvs, linear: 0 },
        depth: backboneConvs + headConvs,
        shortcutProjections: 4,
        ...(isDefault(o) ? { params: s.params[aux], macs: s.macs[aux] } : {}),
      };
    },
  });
}

export const deeplabv3_resnet50 = segmentationModel({
  name: 'deeplabv3_resnet50',
  head: 'deeplabv3',
  layers: [3, 4, 6, 3],
  params: [39_638_869, 42_004_074],
  macs: [168_731_205_888, 178_721_945_088],
  description: 'DeepLabV3 (Chen et al. 2017), ResNet-50 at output stride 8, torchvision',
});
export const deeplabv3_resnet101 = segmentationModel({
  name: 'deeplabv3_resnet101',
  head: 'deeplabv3',
  layers: [3, 4, 23, 3],
  params: [58_630_997, 60_996_202],
  macs: [248_752_300_288, 258_743_039_488],
  description: 'DeepLabV3, ResNet-101 at output stride 8, torchvision',
});
export const fcn_resnet50 = segmentationModel({
  name: 'fcn_resnet50',
  head: 'fcn',
  layers: [3, 4, 6, 3],
  params: [32_957_013, 35_322_218],
  macs: [142_725_772_800, 152_716_512_000],
  description: 'FCN (Long et al. 2015), ResNet-50 at output stride 8, torchvision',
});
export const fcn_resnet101 = segmentationModel({
  name: 'fcn_resnet101',
  head: 'fcn',
  layers: [3, 4, 23, 3],
  params: [51_949_141, 54_314_346],
  macs: [222_746_867_200, 232_737_606_400],
  description: 'FCN, ResNet-101 at output stride 8, torchvision',
});
