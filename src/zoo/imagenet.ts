/**
 * torchvision's ResNet family, written in the DSL a user would use. Parameter counts
 * and MACs in `expect` are the published figures (torchvision weights metadata, see
 * REFERENCE.md); they are checked on every compile with the default options.
 */
import { basicBlock, bottleneck, defineModel, resnet, type DefinedModel, type ModelOptions } from '../dsl/index.js';
import type { BlockDef } from '../dsl/block.js';

/** torchvision's ImageNet preprocessing (V1 weights: resize 256, crop 224). */
export const IMAGENET_PREPROCESSING = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  resize: 256,
  crop: 224,
  colorSpace: 'RGB',
} as const;

interface Spec {
  readonly name: string;
  readonly block: BlockDef<object>;
  readonly layers: readonly [number, number, number, number];
  readonly groups?: number;
  readonly widthPerGroup?: number;
  readonly params: number;
  readonly macs?: number;
  readonly description: string;
}

const isDefault = (o: ModelOptions): boolean =>
  (o.numClasses === undefined || o.numClasses === 1000) && (o.input === undefined || o.input.join() === '3,224,224');

function imagenetResNet(s: Spec): DefinedModel {
  const blocks = s.layers.reduce((a, b) => a + b, 0);
  const perBlock = s.block.expansion === 4 ? 3 : 2;
  return defineModel({
    name: s.name,
    description: s.description,
    input: [3, 224, 224],
    preprocessing: IMAGENET_PREPROCESSING,
    build: (x, o) =>
      resnet(x, {
        block: s.block,
        layers: s.layers,
        ...(s.groups !== undefined ? { groups: s.groups } : {}),
        ...(s.widthPerGroup !== undefined ? { widthPerGroup: s.widthPerGroup } : {}),
        ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}),
        ...(o.replaceStrideWithDilation !== undefined ? { replaceStrideWithDilation: o.replaceStrideWithDilation } : {}),
        ...(o.zeroInitResidual !== undefined ? { zeroInitResidual: o.zeroInitResidual } : {}),
      }),
    expect: (o) => ({
      mainPath: { conv: 1 + blocks * perBlock, linear: o.numClasses === 0 ? 0 : 1 },
      depth: (o.numClasses === 0 ? 1 : 2) + blocks * perBlock,
      shortcutProjections: s.block.expansion === 4 ? 4 : 3,
      ...(isDefault(o) ? { params: s.params } : {}),
      ...(isDefault(o) && !o.replaceStrideWithDilation?.includes(true) && s.macs !== undefined ? { macs: s.macs } : {}),
    }),
  });
}

const B = basicBlock as BlockDef<object>;
const BN = bottleneck as BlockDef<object>;

export const resnet18 = imagenetResNet({ name: 'resnet18', block: B, layers: [2, 2, 2, 2], params: 11_689_512, description: 'ResNet-18 (He et al. 2015), torchvision' });
export const resnet34 = imagenetResNet({ name: 'resnet34', block: B, layers: [3, 4, 6, 3], params: 21_797_672, description: 'ResNet-34, torchvision' });
export const resnet50 = imagenetResNet({ name: 'resnet50', block: BN, layers: [3, 4, 6, 3], params: 25_557_032, macs: 4_089_184_256, description: 'ResNet-50 v1.5 (stride on the 3x3), torchvision' });
export const resnet101 = imagenetResNet({ name: 'resnet101', block: BN, layers: [3, 4, 23, 3], params: 44_549_160, description: 'ResNet-101 v1.5, torchvision' });
export const resnet152 = imagenetResNet({ name: 'resnet152', block: BN, layers: [3, 8, 36, 3], params: 60_192_808, description: 'ResNet-152 v1.5, torchvision' });
export const resnext50_32x4d = imagenetResNet({ name: 'resnext50_32x4d', block: BN, layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4, params: 25_028_904, description: 'ResNeXt-50 32x4d (Xie et al. 2017), torchvision' });
export const resnext101_32x8d = imagenetResNet({ name: 'resnext101_32x8d', block: BN, layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8, params: 88_791_336, description: 'ResNeXt-101 32x8d, torchvision' });
export const resnext101_64x4d = imagenetResNet({ name: 'resnext101_64x4d', block: BN, layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4, params: 83_455_272, description: 'ResNeXt-101 64x4d, torchvision' });
export const wide_resnet50_2 = imagenetResNet({ name: 'wide_resnet50_2', block: BN, layers: [3, 4, 6, 3], widthPerGroup: 128, params: 68_883_240, description: 'Wide ResNet-50-2 (Zagoruyko & Komodakis 2016), torchvision' });
export const wide_resnet101_2 = imagenetResNet({ name: 'wide_resnet101_2', block: BN, layers: [3, 4, 23, 3], widthPerGroup: 128, params: 126_886_696, description: 'Wide ResNet-101-2, torchvision' });
