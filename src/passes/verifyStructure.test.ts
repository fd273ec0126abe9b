import { describe, expect, test } from 'vitest';
import { ZOO } from '../zoo/index.js';
import { buildModel } from '../dsl/model.js';
import { inferShapes } from './inferShapes.js';
import { analyze } from './analyze.js';
import { checkExpectations, formatMismatches, mismatchLabel } from './verifyStructure.js';

describe('checkExpectations', () => {
  const stats = analyze(inferShapes(buildModel(ZOO.get('resnet18')!)));
  test('mismatches are keyed by the expectation they break (ops by op), and read as labels', () => {
    const ms = checkExpectations(stats, { depth: 34, mainPath: { conv: 17, linear: 1 }, params: 11_689_512, ops: { Conv: 20, Add: 9 } });
    // every op the graph has is compared: the ones not declared are expected absent
    expect(ms.map((m) => [m.key, m.op ?? null, m.expected, m.found])).toEqual([
      ['depth', null, '34', '18'],
      ['ops', 'Add', '9', '8'],
      ['ops', 'BatchNormalization', '0', '20'],
      ['ops', 'Flatten', '0', '1'],
      ['ops', 'Gemm', '0', '1'],
      ['ops', 'GlobalAveragePool', '0', '1'],
      ['ops', 'MaxPool', '0', '1'],
      ['ops', 'Relu', '0', '17'],
    ]);
    expect(ms.map(mismatchLabel).slice(0, 2)).toEqual(['main-path depth', 'Add nodes']);
    expect(formatMismatches('resnet18', ms.slice(0, 1))).toBe('resnet18 does not match its declared expectations:\n    main-path depth  expected             34  found             18');
  });
  test('no expectations, no mismatches', () => {
    expect(checkExpectations(stats, {})).toEqual([]);
  });
});
