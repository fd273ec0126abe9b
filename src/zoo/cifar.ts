/**
 * The CIFAR-10 ResNets of the paper (He et al. 2015, section 4.2): 3x3 stem with 16
 * filters, three stages of 16/32/64 filters with n BasicBlocks each, option A
 * (parameter-free) shortcuts, depth 6n+2, 32x32 input, 10 classes.
 */
import { basicBlock, defineModel, resnet, type DefinedModel } from '../dsl/index.js';

/** The usual CIFAR-10 channel statistics. */
const CIFAR10_PREPROCESSING = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], colorSpace: 'RGB' } as const;

function cifarResNet(n: number, params: number): DefinedModel {
  const depth = 6 * n + 2;
  return defineModel({
    name: `cifar_resnet${depth}`,
    description: `ResNet-${depth} for CIFAR-10 (n=${n}, option A shortcuts)`,
    input: [3, 32, 32],
    preprocessing: CIFAR10_PREPROCESSING,
    build: (x, o) =>
      resnet(x, {
        block: basicBlock,
        layers: [n, n, n],
        stem: 'cifar',
        shortcut: 'A',
        numClasses: o.numClasses ?? 10,
        ...(o.replaceStrideWithDilation !== undefined ? { replaceStrideWithDilation: o.replaceStrideWithDilation } : {}),
        ...(o.zeroInitResidual !== undefined ? { zeroInitResidual: o.zeroInitResidual } : {}),
      }),
    expect: (o) => ({
      mainPath: { conv: depth - 1, linear: o.numClasses === 0 ? 0 : 1 },
      depth: o.numClasses === 0 ? depth - 1 : depth,
      shortcutProjections: 0,
      ...((o.numClasses ?? 10) === 10 ? { params } : {}),
    }),
  });
}

export const cifar_resnet20 = cifarResNet(3, 269_722);
export const cifar_resnet32 = cifarResNet(5, 464_154);
export const cifar_resnet44 = cifarResNet(7, 658_586);
export const cifar_resnet56 = cifarResNet(9, 853_018);
export const cifar_resnet110 = cifarResNet(18, 1_727_962);
