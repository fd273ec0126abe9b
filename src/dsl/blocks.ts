/** torchvision's BasicBlock and Bottleneck, with the paper's variants as options. */
import type { Tensor } from './builder.js';
import { userError } from './builder.js';
import { block, type BlockArgs } from './block.js';
import { add, batchNorm2d, conv2d, relu } from './layers.js';
import { oneOf, positiveInt } from './validate.js';

/** BasicBlock options: none beyond BlockArgs (torchvision rejects groups and widths). */
export type BasicBlockOptions = object;

/** conv3x3 -> bn -> relu -> conv3x3 -> bn, plus shortcut, relu. Dilation > 1 is allowed (torchvision raises). */
export function basicBlockBody(x: Tensor, a: BlockArgs): Tensor {
  const d = a.dilation;
  let y = conv2d(x, { name: 'conv1', outChannels: a.planes, kernel: 3, stride: a.stride, padding: d, dilation: d, bias: false });
  y = batchNorm2d(y, { name: 'bn1' });
  y = relu(y);
  y = conv2d(y, { name: 'conv2', outChannels: a.planes, kernel: 3, padding: d, dilation: d, bias: false });
  return batchNorm2d(y, { name: 'bn2', zeroInit: a.zeroInitResidual });
}

export const basicBlock = block<BasicBlockOptions>('BasicBlock', { expansion: 1 }, (x, a) => {
  const extra = a as BlockArgs & { groups?: unknown; widthPerGroup?: unknown; strideOn?: unknown };
  if ((extra.groups !== undefined && extra.groups !== 1) || (extra.widthPerGroup !== undefined && extra.widthPerGroup !== 64)) {
    throw userError(
      'E_BASICBLOCK_GROUPS',
      `BasicBlock only supports groups=1 and widthPerGroup=64 (got groups=${String(extra.groups ?? 1)}, widthPerGroup=${String(extra.widthPerGroup ?? 64)})`,
      'use block: bottleneck for ResNeXt or wide ResNets',
    );
  }
  const y = basicBlockBody(x, a);
  return relu(add(y, a.downsample ? a.downsample(x) : x));
});

export interface BottleneckOptions {
  /** Groups of the 3x3 conv (ResNeXt cardinality). Default 1. */
  readonly groups: number;
  /** Channels per group at planes=64. Default 64; 128 for wide ResNets. */
  readonly widthPerGroup: number;
  /** Which conv carries the stride: '3x3' (torchvision, "ResNet v1.5", default) or '1x1' (the paper's v1). */
  readonly strideOn: '3x3' | '1x1';
}

/** Bottleneck width: int(planes * widthPerGroup / 64) * groups. */
export function bottleneckWidth(planes: number, widthPerGroup: number, groups: number): number {
  return Math.floor((planes * widthPerGroup) / 64) * groups;
}

/** conv1x1 -> bn -> relu -> conv3x3 -> bn -> relu -> conv1x1 -> bn (no shortcut, no final relu). */
export function bottleneckBody(x: Tensor, a: BlockArgs & Partial<BottleneckOptions>): Tensor {
  const groups = positiveInt('bottleneck', 'groups', a.groups ?? 1, 1 << 16);
  const widthPerGroup = positiveInt('bottleneck', 'widthPerGroup', a.widthPerGroup ?? 64, 1 << 16);
  const width = bottleneckWidth(a.planes, widthPerGroup, groups);
  if (width <= 0) {
    throw userError('E_BAD_ARG', `Bottleneck width int(${a.planes} * ${widthPerGroup} / 64) * ${groups} is ${width}`, 'increase widthPerGroup or planes');
  }
  const on1x1 = oneOf('bottleneck', 'strideOn', a.strideOn ?? '3x3', ['3x3', '1x1']) === '1x1';
  const d = a.dilation;
  let y = conv2d(x, { name: 'conv1', outChannels: width, kernel: 1, stride: on1x1 ? a.stride : 1, bias: false });
  y = relu(batchNorm2d(y, { name: 'bn1' }));
  y = conv2d(y, { name: 'conv2', outChannels: width, kernel: 3, stride: on1x1 ? 1 : a.stride, padding: d, dilation: d, groups, bias: false });
  y = relu(batchNorm2d(y, { name: 'bn2' }));
  y = conv2d(y, { name: 'conv3', outChannels: a.planes * 4, kernel: 1, bias: false });
  return batchNorm2d(y, { name: 'bn3', zeroInit: a.zeroInitResidual });
}

export const bottleneck = block<BottleneckOptions>('Bottleneck', { expansion: 4 }, (x, a) => {
  const y = bottleneckBody(x, a);
  return relu(add(y, a.downsample ? a.downsample(x) : x));
});
