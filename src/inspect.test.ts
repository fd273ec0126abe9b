import { describe, expect, test } from 'vitest';
import { ZOO } from './zoo/index.js';
import { NetforgeError } from './errors.js';
import { defineModel } from './dsl/model.js';
import { conv2d, relu } from './dsl/layers.js';
import { compile } from './compile.js';
import { inspectModel } from './inspect.js';

describe('inspectModel', () => {
  test('the model as defined, verified by the front passes compile runs: same stats as compile\'s source', () => {
    const def = ZOO.get('resnet18')!;
    const m = inspectModel(def, { numClasses: 10 });
    expect(m.stats.params).toBe(compile(def, { numClasses: 10 }).source.params);
    expect(m.stats.ops['BatchNormalization']).toBe(20);
    expect(m.structure.sections.map((s) => s.name)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect([...m.graph.params.values()].every((p) => p.data === undefined)).toBe(true); // nothing initialized
    expect(m.weights).toBeUndefined();
  });
  test('a declared expectation that does not hold fails as compile would', () => {
    const def = defineModel({ name: 'tiny', input: [3, 8, 8], build: (x) => relu(conv2d(x, { name: 'c', outChannels: 4, kernel: 3 })), expect: { params: 1 } });
    let err: unknown;
    try {
      inspectModel(def);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetforgeError);
    expect((err as NetforgeError).code).toBe('E_EXPECTATION');
  });
});
