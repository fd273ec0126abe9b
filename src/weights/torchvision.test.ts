import { describe, expect, test } from 'vitest';
import { errorOf } from '../../test/helpers/errors.js';
import { ZOO } from '../zoo/index.js';
import { hashPrefixOf } from './download.js';
import { TORCHVISION_BACKBONES, TORCHVISION_BASE_URL, TORCHVISION_WEIGHTS, parseVariant, torchvisionWeights } from './torchvision.js';

const codeOf = errorOf;

describe('torchvision weights table', () => {
  test('resolves a variant to its URL and recipe', () => {
    expect(torchvisionWeights('resnet50', 'IMAGENET1K_V2')).toEqual({
      model: 'resnet50',
      variant: 'IMAGENET1K_V2',
      file: 'resnet50-11ad3fa6.pth',
      url: 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth',
      resize: 232,
      crop: 224,
    });
    expect(torchvisionWeights('resnet18', 'IMAGENET1K_V1').url).toBe(`${TORCHVISION_BASE_URL}resnet18-f37072fd.pth`);
  });

  test('every entry is a zoo model and carries an 8-digit sha256 prefix named after it', () => {
    for (const [model, files] of Object.entries(TORCHVISION_WEIGHTS)) {
      expect(ZOO.has(model)).toBe(true);
      // classifiers have ImageNet V1 weights, segmentation models COCO's with VOC labels
      expect(TORCHVISION_BACKBONES[model] !== undefined ? files.COCO_WITH_VOC_LABELS_V1 : files.IMAGENET1K_V1).toBeDefined();
      for (const f of Object.values(files)) {
        expect(f.startsWith(`${model}-`) || f.startsWith(`${model}_coco-`)).toBe(true);
        expect(hashPrefixOf(f)).toMatch(/^[0-9a-f]{8}$/);
      }
    }
    // ImageNet and segmentation zoo models all have weights; the CIFAR ones none.
    expect(Object.keys(TORCHVISION_WEIGHTS).sort()).toEqual([...ZOO.keys()].filter((k) => !k.startsWith('cifar_')).sort());
  });

  test('segmentation models: COCO_WITH_VOC_LABELS_V1 (resize 520, no crop), and ImageNet variants from their backbone (weights_backbone)', () => {
    expect(torchvisionWeights('deeplabv3_resnet50', 'COCO_WITH_VOC_LABELS_V1')).toEqual({
      model: 'deeplabv3_resnet50',
      variant: 'COCO_WITH_VOC_LABELS_V1',
      file: 'deeplabv3_resnet50_coco-cd0a2569.pth',
      url: 'https://download.pytorch.org/models/deeplabv3_resnet50_coco-cd0a2569.pth',
      resize: 520,
    });
    expect(torchvisionWeights('fcn_resnet101', 'COCO_WITH_VOC_LABELS_V1').file).toBe('fcn_resnet101_coco-7ecb50ca.pth');
    expect(torchvisionWeights('fcn_resnet101', 'IMAGENET1K_V2')).toMatchObject({ model: 'resnet101', file: 'resnet101-cd907fc2.pth', backboneOf: 'fcn_resnet101' });
    expect(codeOf(() => torchvisionWeights('resnet50', 'COCO_WITH_VOC_LABELS_V1')).code).toBe('E_NO_PRETRAINED');
  });

  test('a model without that variant lists what exists', () => {
    const e = codeOf(() => torchvisionWeights('resnet18', 'IMAGENET1K_V2'));
    expect(e.code).toBe('E_NO_PRETRAINED');
    expect(e.hint).toContain('imagenet1k_v1 (resnet18-f37072fd.pth)');
    const c = codeOf(() => torchvisionWeights('cifar_resnet20', 'IMAGENET1K_V1'));
    expect(c.code).toBe('E_NO_PRETRAINED');
    expect(c.hint).toContain('wide_resnet101_2');
  });

  test('variant names are case-insensitive', () => {
    expect(parseVariant('imagenet1k_v1')).toBe('IMAGENET1K_V1');
    expect(parseVariant('IMAGENET1K_V2')).toBe('IMAGENET1K_V2');
    expect(parseVariant('coco_with_voc_labels_v1')).toBe('COCO_WITH_VOC_LABELS_V1');
    expect(parseVariant('imagenet1k_v3')).toBeUndefined();
    expect(parseVariant('weights.pth')).toBeUndefined();
  });
});
