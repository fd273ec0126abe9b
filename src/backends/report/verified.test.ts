import { expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, expectationsFor } from '../../dsl/model.js';
import { analyze } from '../../passes/analyze.js';
import { verdictFor, verdicts, verdictText } from './verified.js';

const def = ZOO.get('resnet18')!;
const stats = analyze(buildModel(def));

test('every declared expectation of a zoo model is verified', () => {
  const vs = verdicts(stats, expectationsFor(def, {}));
  expect(vs.map((v) => [v.what, v.ok])).toEqual([
    ['depth', true],
    ['mainPath.conv', true],
    ['mainPath.linear', true],
    ['shortcutProjections', true],
    ['params', true],
  ]);
  expect(verdictText(verdictFor(vs, 'depth'))).toBe('✓ verified');
});

test('undeclared quantities get no verdict; a wrong one is marked with what was expected', () => {
  const vs = verdicts(stats, { depth: 34, mainPath: { conv: 17, linear: 1 }, ops: { Conv: 20, Add: 9 } });
  expect(verdictFor(vs, 'params')).toBeUndefined();
  expect(verdictText(verdictFor(vs, 'params'))).toBe('');
  expect(verdictFor(vs, 'depth')).toEqual({ what: 'depth', expected: '34', ok: false });
  expect(verdictText(verdictFor(vs, 'depth'))).toBe('✗ expected 34');
  expect(verdictFor(vs, 'mainPath.conv')?.ok).toBe(true);
  expect(verdictFor(vs, 'ops')).toEqual({ what: 'ops', expected: 'Conv 20, Add 9', ok: false });
});
