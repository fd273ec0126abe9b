/** The model zoo, by torchvision's function names. */
import type { DefinedModel } from '../dsl/model.js';
import * as imagenet from './imagenet.js';
import * as cifar from './cifar.js';
import * as segmentation from './segmentation.js';

/**
 * Every zoo model by name, as a typed record: `compile(zoo.resnet50)`. The names are
 * torchvision's (and the CIFAR-10 ResNets of the paper, `cifar_resnet20` ... `cifar_resnet110`;
 * the segmentation models `deeplabv3_resnet50` ... `fcn_resnet101`).
 */
export const zoo = {
  resnet18: imagenet.resnet18,
  resnet34: imagenet.resnet34,
  resnet50: imagenet.resnet50,
  resnet101: imagenet.resnet101,
  resnet152: imagenet.resnet152,
  resnext50_32x4d: imagenet.resnext50_32x4d,
  resnext101_32x8d: imagenet.resnext101_32x8d,
  resnext101_64x4d: imagenet.resnext101_64x4d,
  wide_resnet50_2: imagenet.wide_resnet50_2,
  wide_resnet101_2: imagenet.wide_resnet101_2,
  cifar_resnet20: cifar.cifar_resnet20,
  cifar_resnet32: cifar.cifar_resnet32,
  cifar_resnet44: cifar.cifar_resnet44,
  cifar_resnet56: cifar.cifar_resnet56,
  cifar_resnet110: cifar.cifar_resnet110,
  deeplabv3_resnet50: segmentation.deeplabv3_resnet50,
  deeplabv3_resnet101: segmentation.deeplabv3_resnet101,
  fcn_resnet50: segmentation.fcn_resnet50,
  fcn_resnet101: segmentation.fcn_resnet101,
} as const satisfies Readonly<Record<string, DefinedModel>>;

/** A zoo model's name. */
export type ZooName = keyof typeof zoo;

/** The zoo as a Map by name (`ZOO.get(name)` for a name known only at run time). */
export const ZOO: ReadonlyMap<string, DefinedModel> = new Map(Object.entries(zoo));

export { IMAGENET_PREPROCESSING } from './imagenet.js';
export * from './imagenet.js';
export * from './cifar.js';
export * from './segmentation.js';
