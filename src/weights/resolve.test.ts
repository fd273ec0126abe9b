import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NetforgeError } from '../errors.js';
import { resolveWeights } from './resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-resolve-'));

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof NetforgeError)) throw new Error(`expected a NetforgeError, got ${String(e)}`);
  return e.code;
}

describe('resolveWeights', () => {
  test('a path is used as it is, without touching the cache', async () => {
    expect(await resolveWeights('some/where.pth', { model: 'resnet50', cacheDir: join(dir, 'unused') })).toEqual({ file: 'some/where.pth', source: 'some/where.pth' });
  });

  test('a variant name becomes the zoo model\'s torchvision file in the cache', async () => {
    const cache = mkdtempSync(join(dir, 'c-'));
    writeFileSync(join(cache, 'resnet50-0676ba61.pth'), 'cached');
    const seen: string[] = [];
    const w = await resolveWeights('imagenet1k_v1', { model: 'resnet50', cacheDir: cache, onDownload: (d, url) => seen.push(`${d.cached} ${url}`) });
    expect(w.file).toBe(join(cache, 'resnet50-0676ba61.pth'));
    expect(w.torchvision).toMatchObject({ variant: 'IMAGENET1K_V1', resize: 256 });
    expect(seen).toEqual(['true https://download.pytorch.org/models/resnet50-0676ba61.pth']);
  });

  test('a segmentation model: its COCO weights, or its backbone\'s ImageNet weights (torchvision\'s weights_backbone)', async () => {
    const cache = mkdtempSync(join(dir, 'c-'));
    writeFileSync(join(cache, 'deeplabv3_resnet50_coco-cd0a2569.pth'), 'cached');
    writeFileSync(join(cache, 'resnet50-0676ba61.pth'), 'cached');
    const coco = await resolveWeights('COCO_WITH_VOC_LABELS_V1', { model: 'deeplabv3_resnet50', cacheDir: cache });
    expect([coco.file, coco.source]).toEqual([join(cache, 'deeplabv3_resnet50_coco-cd0a2569.pth'), 'coco_with_voc_labels_v1 (https://download.pytorch.org/models/deeplabv3_resnet50_coco-cd0a2569.pth)']);
    const backbone = await resolveWeights('imagenet1k_v1', { model: 'deeplabv3_resnet50', cacheDir: cache });
    expect(backbone.file).toBe(join(cache, 'resnet50-0676ba61.pth'));
    expect(backbone.source).toBe('imagenet1k_v1 of resnet50, for the backbone (https://download.pytorch.org/models/resnet50-0676ba61.pth)');
    expect(backbone.torchvision).toMatchObject({ model: 'resnet50', backboneOf: 'deeplabv3_resnet50' });
    expect(await codeOf(resolveWeights('coco_v2', { model: 'deeplabv3_resnet50', cacheDir: dir }))).toBe('E_WEIGHTS_SPEC');
  });

  test('a file named like a variant wins over the variant', async () => {
    const cwdFile = join(dir, 'imagenet1k_v1');
    writeFileSync(cwdFile, 'x');
    expect((await resolveWeights(cwdFile, { model: 'resnet50', cacheDir: dir })).file).toBe(cwdFile);
  });

  test('mistakes are named', async () => {
    expect(await codeOf(resolveWeights('imagenet1k_v2', { model: 'resnet18', cacheDir: dir }))).toBe('E_NO_PRETRAINED');
    expect(await codeOf(resolveWeights('imagenet1k_v1', { model: 'my_net', cacheDir: dir }))).toBe('E_NO_PRETRAINED');
    expect(await codeOf(resolveWeights('imagenet22k', { model: 'resnet50', cacheDir: dir }))).toBe('E_WEIGHTS_SPEC');
    expect(await codeOf(resolveWeights('s3://bucket/w.pth', { model: 'resnet50', cacheDir: dir }))).toBe('E_DOWNLOAD_URL');
  });
});
