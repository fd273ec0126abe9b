/** The model zoo, by torchvision's function names. */
import type { DefinedModel } from '../dsl/model.js';
import * as imagenet from './imagenet.js';
import * as cifar from './cifar.js';

export const ZOO: ReadonlyMap<string, DefinedModel> = new Map(
  [
    imagenet.resnet18,
    imagenet.resnet34,
    imagenet.resnet50,
    imagenet.resnet101,
    imagenet.resnet152,
    imagenet.resnext50_32x4d,
    imagenet.resnext101_32x8d,
    imagenet.resnext101_64x4d,
    imagenet.wide_resnet50_2,
    imagenet.wide_resnet101_2,
    cifar.cifar_resnet20,
    cifar.cifar_resnet32,
    cifar.cifar_resnet44,
    cifar.cifar_resnet56,
    cifar.cifar_resnet110,
  ].map((m) => [m.name, m]),
);

export { IMAGENET_PREPROCESSING } from './imagenet.js';
export * from './imagenet.js';
export * from './cifar.js';
