/** compile() with weights, through the library API. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile, standardPasses } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { NetforgeError } from '../../src/errors.js';
import { readWeights } from '../../src/weights/load.js';
import { writeCheckpoint } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-compile-weights-'));
const c20 = join(dir, 'c20.safetensors');
const sd = writeCheckpoint(c20, 'cifar_resnet20');
const def = ZOO.get('cifar_resnet20')!;

describe('compile with weights', () => {
  test('loaded params are views of the one file buffer (no copy on the way to the ONNX writer)', () => {
    const c = compile(def, { weights: c20, foldBatchNorm: false });
    const buffers = new Set([...c.graph.params.values()].map((p) => (p.data as Float32Array).buffer));
    expect(buffers.size).toBe(1);
    expect([...buffers][0]!.byteLength).toBe(statSync(c20).size);
    const w = c.graph.params.get('layer2.0.conv1.weight')!.data as Float32Array;
    expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(sd.get('layer2.0.conv1.weight')!.data))).toBe(true);
    expect(c.trace.map((t) => t.pass).slice(0, 4)).toEqual(['infer-shapes', 'verify-structure', 'load-state-dict', 'init-params']);
    expect(c.trace.find((t) => t.pass === 'init-params')!.changed).toBe(false);
    expect(c.notices).toEqual([]);
  });

  test('a state dict read beforehand works the same', () => {
    const a = compile(def, { weights: readWeights(c20) });
    const b = compile(def, { weights: c20 });
    expect(a.graph.params.get('conv1.weight')!.data).toEqual(b.graph.params.get('conv1.weight')!.data);
  });

  test('an explicit numClasses replaces the head and says so', () => {
    const seen: string[] = [];
    const c = compile(def, { weights: c20, numClasses: 7, seed: 2, onNotice: (n) => seen.push(n.level) });
    expect(c.notices).toEqual([{ level: 'warning', message: 'fc.weight/fc.bias: checkpoint has 10 classes, model has 7: head initialized from seed 2 (like replacing model.fc after loading pretrained weights)' }]);
    expect(seen).toEqual(['warning']);
    const fresh = compile(def, { numClasses: 7, seed: 2 });
    expect(c.graph.params.get('fc.weight')!.data).toEqual(fresh.graph.params.get('fc.weight')!.data);
  });

  test('freezeBackbone shows in the source counts and the metadata', () => {
    const c = compile(def, { weights: c20, freezeBackbone: true });
    expect(c.source.trainableParams).toBe(650);
    expect(c.source.frozenParams).toBe(269_722 - 650);
    expect(c.graph.meta.get('netforge.trainable_params')).toBe('650');
    expect(c.graph.meta.get('netforge.frozen_params')).toBe('269072');
    expect(standardPasses(def, { freezeBackbone: true }).map((p) => p.name)).toContain('freeze-backbone');
  });

  test('randomized BatchNorm would overwrite loaded statistics: refused', () => {
    let e: unknown;
    try {
      compile(def, { weights: c20, randomizeBatchNorm: true });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(NetforgeError);
    expect((e as NetforgeError).code).toBe('E_USAGE');
  });
});
