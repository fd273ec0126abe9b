import { describe, expect, test } from 'vitest';
import { errorOf } from '../../test/helpers/errors.js';
import { ZOO } from '../zoo/index.js';
import { hashPrefixOf } from './download.js';
import { TORCHVISION_BASE_URL, TORCHVISION_WEIGHTS, parseVariant, torchvisionWeights } from './torchvision.js';

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
      expect(files.IMAGENET1K_V1).toBeDefined();
      for (const f of Object.values(files)) {
        expect(f.startsWith(`${model}-`)).toBe(true);
        expect(hashPrefixOf(f)).toMatch(/^[0-9a-f]{8}$/);
      }
    }
    // ImageNet zoo models all have V1 weights; the CIFAR ones none.
    expect(Object.keys(TORCHVISION_WEIGHTS).sort()).toEqual([...ZOO.keys()].filter((k) => !k.startsWith('cifar_')).sort());
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
    expect(parseVariant('imagenet1k_v3')).toBeUndefined();
    expect(parseVariant('weights.pth')).toBeUndefined();
  });
});
