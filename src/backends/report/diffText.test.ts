import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import type { ModelOptions } from '../../dsl/model.js';
import { inspectModel } from '../../inspect.js';
import { diffModels } from '../../diff.js';
import { diffText } from './diffText.js';
import { stripAnsi, visibleWidth } from './ansi.js';

const diff = (a: string, b: string, ao: ModelOptions = {}, bo: ModelOptions = {}) =>
  diffModels({ label: a, model: inspectModel(ZOO.get(a)!, ao) }, { label: b, model: inspectModel(ZOO.get(b)!, bo) });

describe('diffText', () => {
  test('identical models: one paragraph that says so', () => {
    expect(diffText(diff('cifar_resnet20', 'cifar_resnet20'))).toBe(
      [
        'A  cifar_resnet20',
        'B  cifar_resnet20',
        'no difference: the same modules, shapes, kernels, params and MACs (269,722 params, 40,551,040 MACs, depth 20);',
        "A's checkpoint loads into B fully (116 entries)",
        '',
      ].join('\n'),
    );
  });

  test('a changed row shows A, then → B under each cell that differs; added rows are marked +', () => {
    const t = diffText(diff('cifar_resnet20', 'cifar_resnet32'), { depth: 2 });
    const lines = t.split('\n');
    const i = lines.findIndex((l) => l.startsWith('~ layer1 '));
    expect(lines[i]).toMatch(/^~ layer1 +3 x BasicBlock +\[N, 16, 32, 32\] +3x3 s1 d1 g1 +14,016 +14\.16 M$/);
    expect(lines[i + 1]).toMatch(/^ +→ 5 x BasicBlock +→ 23,360 +→ 23\.59 M$/);
    expect(lines[i + 2]).toBe('    layer1.0 … layer1.2: 3 unchanged');
    expect(lines[i + 3]).toMatch(/^\+   layer1\.3 +BasicBlock/);
    expect(t).toContain('Main-path depth       20');
    expect(t).toContain("Weights: A's checkpoint (its state_dict) loaded into B");
  });

  test('fits the width; colors only when asked', () => {
    const d = diff('cifar_resnet20', 'cifar_resnet20', {}, { input: [3, 'H', 'W'] });
    const plain = diffText(d, { depth: 3 });
    for (const l of plain.split('\n')) expect(visibleWidth(l)).toBeLessThanOrEqual(100);
    expect(plain.split('\n').some((l) => l.includes('…'))).toBe(true); // module paths shortened to fit
    expect(plain).not.toContain('\u001b[');
    const colored = diffText(d, { depth: 3, color: true });
    expect(colored).toContain('\u001b[33m~');
    expect(stripAnsi(colored)).toBe(plain);
  });
});
