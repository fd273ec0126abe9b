import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { runPasses } from '../passes/manager.js';
import { inferShapesPass } from '../passes/inferShapes.js';
import { NetforgeError } from '../errors.js';
import { fixture } from '../../test/fixtures/weights/helpers.js';
import { prepareWeights, readerNotices, statePasses, weightsPass, type Notice } from './weights.js';
import { readWeights } from '../weights/load.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { torchvisionWeights } from '../weights/torchvision.js';
import type { WeightTensor } from '../weights/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-apply-'));

/** A safetensors checkpoint with the names and shapes of `model`'s params (values: the index). */
function checkpoint(model: string, path: string): void {
  const g = buildModel(ZOO.get(model)!);
  const m = new Map<string, WeightTensor>();
  for (const [k, p] of g.params) {
    const a = new Float32Array(p.shape.reduce((x, y) => x * y, 1)).fill(m.size);
    m.set(k, { dtype: 'float32', shape: p.shape, data: new Uint8Array(a.buffer) });
  }
  writeSafetensors(path, m);
}

describe('prepareWeights', () => {
  test('float32 tensors of an aligned file are views of its buffer, not copies', () => {
    const p = join(dir, 'c20.safetensors');
    checkpoint('cifar_resnet20', p);
    const w = prepareWeights(p);
    expect(w.source).toBe(p);
    const buffers = new Set([...w.tensors.values()].map((t) => t.data.buffer));
    expect(buffers.size).toBe(1);
    expect(w.tensors.get('conv1.weight')!.data.buffer).toBe(w.stateDict.tensors.get('conv1.weight')!.data.buffer);
  });

  test('accepts a path, a state dict, or a resolved input; converts other dtypes', () => {
    const sd = readWeights(fixture('mixed_zip.pth'));
    const a = prepareWeights(sd);
    expect(a.source).toBe(sd.file);
    expect(a.tensors.get('half')!.data).toBeInstanceOf(Float32Array);
    const b = prepareWeights({ file: fixture('mixed_zip.pth'), source: 'https://example.com/x.pth' });
    expect(b.source).toBe('https://example.com/x.pth');
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  });

  test("reports the reader's notices", () => {
    const notes: Notice[] = [];
    prepareWeights(fixture('dataparallel.pth'), (n) => notes.push(n));
    prepareWeights(fixture('wrapped_legacy.pth'), (n) => notes.push(n));
    expect(notes).toEqual([
      { level: 'note', message: "dataparallel.pth: every key began with 'module.' (saved from nn.DataParallel); the prefix was stripped" },
      { level: 'note', message: "wrapped_legacy.pth is a training checkpoint: loaded the state dict from its 'model' entry" },
    ]);
    expect(readerNotices({ format: 'safetensors', file: '/a/b.st', tensors: new Map(), skipped: ['_extra_state', 'epoch'] })).toEqual([
      'b.st: skipped 2 entries that are not tensors (_extra_state, epoch)',
    ]);
  });
});

describe('weightsPass', () => {
  test("records torchvision's preprocessing recipe for V2 weights", () => {
    const p = join(dir, 'r18.safetensors');
    checkpoint('resnet18', p);
    const def = ZOO.get('resnet18')!;
    const tv = { ...torchvisionWeights('resnet50', 'IMAGENET1K_V2'), model: 'resnet18' };
    const w = prepareWeights({ file: p, source: 'imagenet1k_v2', torchvision: tv });
    const { graph } = runPasses(buildModel(def), [inferShapesPass, weightsPass(def, w, { replaceHead: false, seed: 0, notice: () => {} })]);
    expect(JSON.parse(graph.meta.get('netforge.preprocessing')!)).toEqual({ ...def.preprocessing, resize: 232, crop: 224 });
  });

  test('a mismatch error names the architecture the checkpoint really is', () => {
    const p = join(dir, 'r34.safetensors');
    checkpoint('resnet34', p);
    const def = ZOO.get('resnet18')!;
    let err: unknown;
    try {
      runPasses(buildModel(def), [inferShapesPass, ...statePasses(def, { weights: p })]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetforgeError);
    expect((err as NetforgeError).code).toBe('E_STATE_DICT');
    expect((err as NetforgeError).hint).toBe('the checkpoint is a resnet34: compile resnet34 instead of resnet18');
  });

  test('statePasses: none without options, in order with them', () => {
    const def = ZOO.get('cifar_resnet20')!;
    const p = join(dir, 'c20b.safetensors');
    checkpoint('cifar_resnet20', p);
    expect(statePasses(def, {})).toEqual([]);
    expect(statePasses(def, { weights: p, freezeBackbone: true }).map((x) => x.name)).toEqual(['load-state-dict', 'freeze-backbone']);
  });
});
