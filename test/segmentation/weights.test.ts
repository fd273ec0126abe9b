/**
 * Segmentation weights as torchvision publishes and loads them: COCO_WITH_VOC_LABELS_V1 files
 * (21 classes, with the auxiliary head) resolved by name from the cache (never fetched here),
 * loaded with or without --aux-loss; a backbone-only ImageNet checkpoint into `backbone.*` with
 * fresh heads (torchvision's weights_backbone); another class count replacing both heads' last
 * conv; --freeze-backbone keeping those trainable. Checkpoints are made by netforge itself
 * (names and shapes are what loading looks at); small inputs keep it quick.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { NetforgeError } from '../../src/errors.js';
import { resolveWeights } from '../../src/weights/resolve.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import type { WeightsInput } from '../../src/pipeline/weights.js';
import { checkpointOf } from '../weights/helpers.js';
import { netforge } from '../helpers/cli.js';
import { metaOf, readModel } from '../helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-seg-weights-'));
const cache = join(dir, 'cache');
const def = ZOO.get('deeplabv3_resnet50')!;
const SMALL = { input: [3, 32, 32] };
let coco: WeightsInput;
let backbone: WeightsInput;

beforeAll(async () => {
  mkdirSync(cache);
  // torchvision's file names, made here: the COCO checkpoint carries the auxiliary head, the ImageNet one its fc
  writeSafetensors(join(cache, 'deeplabv3_resnet50_coco-cd0a2569.pth'), checkpointOf('deeplabv3_resnet50', { ...SMALL, auxLoss: true, seed: 1 }));
  writeSafetensors(join(cache, 'resnet50-0676ba61.pth'), checkpointOf('resnet50', { ...SMALL, seed: 2 }));
  coco = await resolveWeights('coco_with_voc_labels_v1', { model: 'deeplabv3_resnet50', cacheDir: cache });
  backbone = await resolveWeights('imagenet1k_v1', { model: 'deeplabv3_resnet50', cacheDir: cache });
});

const data = (c: ReturnType<typeof compile>, name: string): Float32Array => c.graph.params.get(name)!.data as Float32Array;

describe('COCO_WITH_VOC_LABELS_V1', () => {
  test('compile --weights coco_with_voc_labels_v1: loads from the cache, leaves the auxiliary head out with a note, records resize 520 (no crop)', () => {
    const out = join(dir, 'dl.onnx');
    const r = netforge(['compile', 'deeplabv3_resnet50', '--weights', 'coco_with_voc_labels_v1', '--cache-dir', cache, '--input-size', '3,32,32', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: deeplabv3_resnet50_coco-cd0a2569.pth: left out aux_classifier.* (7 tensors): deeplabv3_resnet50 was built without its auxiliary head (--aux-loss builds it)');
    const meta = metaOf(readModel(out));
    expect(JSON.parse(meta['netforge.weights']!)).toMatchObject({ source: 'coco_with_voc_labels_v1 (https://download.pytorch.org/models/deeplabv3_resnet50_coco-cd0a2569.pth)' });
    expect(JSON.parse(meta['netforge.preprocessing']!)).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 520, colorSpace: 'RGB' });
  });
  test('with auxLoss every tensor loads, with no notice, and both outputs are there', () => {
    const c = compile(def, { ...SMALL, weights: coco, auxLoss: true, foldBatchNorm: false });
    expect(c.notices).toEqual([]);
    expect(c.graph.outputs).toEqual(['out', 'aux']);
    expect(JSON.parse(c.graph.meta.get('netforge.weights')!).loaded).toBe(c.graph.params.size);
  });
  test('another class count replaces both heads\' last conv, from the seed, with a warning', () => {
    const c = compile(def, { ...SMALL, weights: coco, auxLoss: true, numClasses: 5, seed: 3, foldBatchNorm: false });
    expect(c.notices).toEqual([
      {
        level: 'warning',
        message: 'classifier.4.weight/classifier.4.bias/aux_classifier.4.weight/aux_classifier.4.bias: checkpoint has 21 classes, model has 5: head initialized from seed 3 (like replacing the classifier\'s last conv after loading pretrained weights)',
      },
    ]);
    const fresh = compile(def, { ...SMALL, auxLoss: true, numClasses: 5, seed: 3, foldBatchNorm: false });
    expect(data(c, 'classifier.4.weight')).toEqual(data(fresh, 'classifier.4.weight'));
    expect(data(c, 'aux_classifier.4.bias')).toEqual(data(fresh, 'aux_classifier.4.bias'));
  });
});

describe('a backbone-only checkpoint (torchvision\'s weights_backbone)', () => {
  test('imagenet1k_v1 is resnet50\'s file: it loads into backbone.*, fc left out, both heads from the seed, with a warning', () => {
    expect(backbone.file).toBe(join(cache, 'resnet50-0676ba61.pth'));
    const c = compile(def, { ...SMALL, weights: backbone, auxLoss: true, seed: 4, foldBatchNorm: false });
    expect(c.notices).toEqual([
      {
        level: 'warning',
        message: 'resnet50-0676ba61.pth holds a backbone\'s weights only (torchvision\'s weights_backbone): loaded into backbone.*, left out fc.bias, fc.weight; classifier and aux_classifier (18,496,042 params) initialized from seed 4',
      },
    ]);
    const r50 = compile(ZOO.get('resnet50')!, { ...SMALL, weights: backbone.file, foldBatchNorm: false });
    expect(data(c, 'backbone.layer4.2.conv3.weight')).toEqual(data(r50, 'layer4.2.conv3.weight'));
    const fresh = compile(def, { ...SMALL, auxLoss: true, seed: 4, foldBatchNorm: false });
    expect(data(c, 'classifier.0.convs.1.0.weight')).toEqual(data(fresh, 'classifier.0.convs.1.0.weight'));
    const record = JSON.parse(c.graph.meta.get('netforge.weights')!) as { initialized: string[]; seed: number };
    expect(record.seed).toBe(4);
    expect(record.initialized.every((k) => k.startsWith('classifier.') || k.startsWith('aux_classifier.'))).toBe(true);
    // the preprocessing stays the segmentation model's (the backbone's recipe is ImageNet's)
    expect(JSON.parse(c.graph.meta.get('netforge.preprocessing')!)).toMatchObject({ resize: 520 });
  });
  test('a backbone of another architecture is still an error', () => {
    const path = join(dir, 'r18.safetensors');
    writeSafetensors(path, checkpointOf('resnet18', SMALL));
    let e: unknown;
    try {
      compile(def, { ...SMALL, weights: path });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(NetforgeError);
    expect((e as NetforgeError).code).toBe('E_STATE_DICT');
  });
});

test('--freeze-backbone keeps the heads\' 1x1 classifiers trainable', () => {
  const c = compile(def, { ...SMALL, weights: coco, auxLoss: true, freezeBackbone: true, foldBatchNorm: false });
  expect(c.source.trainableParams).toBe(2 * (256 * 21 + 21));
});
