import { describe, expect, test } from 'vitest';
import { dimAdd, dimCeilDiv, dimMul } from '../ir/dim.js';
import { ZOO } from '../zoo/index.js';
import { inspectModel } from '../inspect.js';
import { growthRatio, sameTotals, totalsDiff } from './totals.js';

const area = (k: number) => dimMul(dimCeilDiv('H', k), dimCeilDiv('W', k));

describe('growthRatio', () => {
  test('the ratio of the leading terms, whatever the lower ones and the rounding', () => {
    expect(growthRatio(dimMul('H', 'W'), area(2))).toBe(0.25);
    expect(growthRatio(dimAdd(dimMul(3, area(4)), 1000), dimAdd(dimMul(5, area(8)), dimCeilDiv('H', 2)))).toBeCloseTo(5 / 64 / (3 / 16), 12);
  });
  test('undefined for fixed sizes and for different orders of growth', () => {
    expect(growthRatio(10, 20)).toBeUndefined();
    expect(growthRatio(dimMul('H', 'W'), dimCeilDiv('H', 2))).toBeUndefined();
  });
});

describe('totalsDiff', () => {
  test('counts, ops that appear and disappear, and MACs for any size when symbolic', () => {
    const a = inspectModel(ZOO.get('cifar_resnet20')!, { input: [3, 'H', 'W'] }).structure;
    const b = inspectModel(ZOO.get('cifar_resnet32')!, { input: [3, 'H', 'W'] }).structure;
    const t = totalsDiff(a, b);
    expect(t.quantities.find((q) => q.key === 'depth')).toEqual({ key: 'depth', a: 20, b: 32 });
    expect(t.quantities.find((q) => q.key === 'blocks')).toEqual({ key: 'blocks', a: 9, b: 15 });
    expect(t.macsFormula).toBeDefined();
    expect(t.macsFormula!.asSizesGrow).toBeGreaterThan(1.5);
    expect(t.appeared).toEqual([]);
    expect(sameTotals(t)).toBe(false);
    expect(sameTotals(totalsDiff(a, a))).toBe(true);
    expect(totalsDiff(inspectModel(ZOO.get('cifar_resnet20')!).structure, inspectModel(ZOO.get('cifar_resnet20')!).structure).macsFormula).toBeUndefined();
  });
});
