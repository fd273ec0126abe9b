/**
 * ResNeXt-50 32x4d (Xie et al. 2017) and Wide ResNet-50-2 (Zagoruyko & Komodakis 2016) as
 * two variants of one definition: both are ResNet-50 with a different 3x3 conv in the
 * bottleneck, whose width is int(planes * widthPerGroup / 64) * groups. ResNeXt splits a
 * width of 128 (at planes 64) into 32 groups of 4; the wide net doubles it to 128 in one
 * group. The default export is ResNeXt; the wide net is the named export.
 *
 *   netforge summary examples/resnext-and-wide.ts
 */
import { bottleneck, defineModel, resnet, type BottleneckOptions, type DefinedModel } from 'netforge';

interface Variant {
  readonly name: string;
  readonly description: string;
  readonly width: Pick<BottleneckOptions, 'groups' | 'widthPerGroup'>;
  /** torchvision's published parameter count (REFERENCE.md). */
  readonly params: number;
}

function resnet50Variant(v: Variant): DefinedModel {
  return defineModel({
    name: v.name,
    description: v.description,
    input: [3, 224, 224],
    preprocessing: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 256, crop: 224, colorSpace: 'RGB' },
    build: (x, o) => resnet(x, { block: bottleneck, layers: [3, 4, 6, 3], numClasses: o.numClasses ?? 1000, ...v.width }),
    expect: (o) => ({
      mainPath: { conv: 49, linear: 1 },
      shortcutProjections: 4,
      ...((o.numClasses ?? 1000) === 1000 ? { params: v.params } : {}),
    }),
  });
}

export const resnext50_32x4d = resnet50Variant({
  name: 'resnext50_32x4d',
  description: 'ResNeXt-50, cardinality 32, 4 channels per group',
  width: { groups: 32, widthPerGroup: 4 },
  params: 25_028_904,
});

export const wide_resnet50_2 = resnet50Variant({
  name: 'wide_resnet50_2',
  description: 'Wide ResNet-50-2: bottlenecks twice as wide',
  width: { groups: 1, widthPerGroup: 128 },
  params: 68_883_240,
});

export default resnext50_32x4d;
