/**
 * torchvision's pretrained weights for the zoo models: `--weights imagenet1k_v1` resolves to
 * the file torchvision's `ResNet50_Weights.IMAGENET1K_V1` downloads, `coco_with_voc_labels_v1`
 * to `DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1`'s (21 classes, with the auxiliary
 * head), and `imagenet1k_v1` for a segmentation model to its backbone's ImageNet weights
 * (torchvision's weights_backbone, ResNet50_Weights.IMAGENET1K_V1 by default).
 *
 * File names and preprocessing are torchvision's published weights metadata (see
 * /work/shared/REFERENCE.md). The 8 hex digits in a name are the leading digits of the
 * file's sha256, which the downloader checks (torch.hub's rule).
 */
import { NetforgeError } from '../errors.js';

export const TORCHVISION_BASE_URL = 'https://download.pytorch.org/models/';

export type TorchvisionVariant = 'IMAGENET1K_V1' | 'IMAGENET1K_V2' | 'COCO_WITH_VOC_LABELS_V1';
export const TORCHVISION_VARIANTS: readonly TorchvisionVariant[] = ['IMAGENET1K_V1', 'IMAGENET1K_V2', 'COCO_WITH_VOC_LABELS_V1'];

/** model -> variant -> file name under TORCHVISION_BASE_URL. */
export const TORCHVISION_WEIGHTS: Readonly<Record<string, Readonly<Partial<Record<TorchvisionVariant, string>>>>> = {
  resnet18: { IMAGENET1K_V1: 'resnet18-f37072fd.pth' },
  resnet34: { IMAGENET1K_V1: 'resnet34-b627a593.pth' },
  resnet50: { IMAGENET1K_V1: 'resnet50-0676ba61.pth', IMAGENET1K_V2: 'resnet50-11ad3fa6.pth' },
  resnet101: { IMAGENET1K_V1: 'resnet101-63fe2227.pth', IMAGENET1K_V2: 'resnet101-cd907fc2.pth' },
  resnet152: { IMAGENET1K_V1: 'resnet152-394f9c45.pth', IMAGENET1K_V2: 'resnet152-f82ba261.pth' },
  resnext50_32x4d: { IMAGENET1K_V1: 'resnext50_32x4d-7cdf4587.pth', IMAGENET1K_V2: 'resnext50_32x4d-1a0047aa.pth' },
  resnext101_32x8d: { IMAGENET1K_V1: 'resnext101_32x8d-8ba56ff5.pth', IMAGENET1K_V2: 'resnext101_32x8d-110c445d.pth' },
  resnext101_64x4d: { IMAGENET1K_V1: 'resnext101_64x4d-173b62eb.pth' },
  wide_resnet50_2: { IMAGENET1K_V1: 'wide_resnet50_2-95faca4d.pth', IMAGENET1K_V2: 'wide_resnet50_2-9ba9bcbe.pth' },
  wide_resnet101_2: { IMAGENET1K_V1: 'wide_resnet101_2-32ee1156.pth', IMAGENET1K_V2: 'wide_resnet101_2-d733dc28.pth' },
  deeplabv3_resnet50: { COCO_WITH_VOC_LABELS_V1: 'deeplabv3_resnet50_coco-cd0a2569.pth' },
  deeplabv3_resnet101: { COCO_WITH_VOC_LABELS_V1: 'deeplabv3_resnet101_coco-586e9e4e.pth' },
  fcn_resnet50: { COCO_WITH_VOC_LABELS_V1: 'fcn_resnet50_coco-1167a1af.pth' },
  fcn_resnet101: { COCO_WITH_VOC_LABELS_V1: 'fcn_resnet101_coco-7ecb50ca.pth' },
};

/** The classifier whose ImageNet weights start a segmentation model's backbone (torchvision's weights_backbone). */
export const TORCHVISION_BACKBONES: Readonly<Record<string, string>> = {
  deeplabv3_resnet50: 'resnet50',
  deeplabv3_resnet101: 'resnet101',
  fcn_resnet50: 'resnet50',
  fcn_resnet101: 'resnet101',
};

/**
 * Evaluation transforms of each recipe: resize the short side, then center-crop (ImageNet);
 * resize the short side only (SemanticSegmentation(resize_size=520)).
 */
export const TORCHVISION_RESIZE: Readonly<Record<TorchvisionVariant, { readonly resize: number; readonly crop?: number }>> = {
  IMAGENET1K_V1: { resize: 256, crop: 224 },
  IMAGENET1K_V2: { resize: 232, crop: 224 },
  COCO_WITH_VOC_LABELS_V1: { resize: 520 },
};

/** `imagenet1k_v1`, `IMAGENET1K_V2`, ... -> the variant; undefined for anything else. */
export function parseVariant(spec: string): TorchvisionVariant | undefined {
  const u = spec.toUpperCase();
  return (TORCHVISION_VARIANTS as readonly string[]).includes(u) ? (u as TorchvisionVariant) : undefined;
}

export interface TorchvisionWeights {
  readonly model: string;
  readonly variant: TorchvisionVariant;
  readonly file: string;
  readonly url: string;
  readonly resize: number;
  readonly crop?: number;
  /** Set when these are the ImageNet weights of this segmentation model's backbone (`model` is the classifier's name). */
  readonly backboneOf?: string;
}

/** The weights file of `model` in `variant`; an error listing what exists when there is none. */
export function torchvisionWeights(model: string, variant: TorchvisionVariant): TorchvisionWeights {
  const backbone = TORCHVISION_BACKBONES[model];
  if (backbone !== undefined && TORCHVISION_WEIGHTS[model]?.[variant] === undefined && TORCHVISION_WEIGHTS[backbone]?.[variant] !== undefined) {
    return { ...torchvisionWeights(backbone, variant), backboneOf: model };
  }
  const files = TORCHVISION_WEIGHTS[model];
  if (files === undefined) {
    throw new NetforgeError({
      code: 'E_NO_PRETRAINED',
      message: `torchvision publishes no ${variant.toLowerCase()} weights for ${model}`,
      hint: `pretrained weights exist for ${Object.keys(TORCHVISION_WEIGHTS).join(', ')}; for other models pass --weights FILE or a URL`,
    });
  }
  const file = files[variant];
  if (file === undefined) {
    const have = TORCHVISION_VARIANTS.filter((v) => files[v] !== undefined);
    throw new NetforgeError({
      code: 'E_NO_PRETRAINED',
      message: `torchvision has no ${variant.toLowerCase()} weights for ${model}`,
      hint: `${model} has ${have.map((v) => `${v.toLowerCase()} (${files[v]})`).join(', ')}`,
    });
  }
  return { model, variant, file, url: TORCHVISION_BASE_URL + file, ...TORCHVISION_RESIZE[variant] };
}
