import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { Dim } from './types.js';
import { dimAdd, dimCeilDiv, dimEquals, dimFloorDiv, dimKey, dimMul, dimShape, dimSub, dimSymbols, dimText, evalDim, formatDim, substituteDim } from './dim.js';

/** The conv/pool output rule: floor((x + pads - ek) / s) + 1. */
const window = (x: Dim, k: number, s: number, p: number, d = 1): Dim => dimAdd(dimFloorDiv(dimAdd(x, 2 * p - d * (k - 1) - 1), s), 1);

describe('canonical forms', () => {
  test('numbers stay numbers, a bare symbol stays a string', () => {
    expect(dimAdd(2, 3)).toBe(5);
    expect(dimFloorDiv('H', 1)).toBe('H');
    expect(dimSub(dimAdd('H', 3), 3)).toBe('H');
    expect(dimMul(dimFloorDiv('H', 2), 0)).toBe(0);
  });
  test('ResNet\'s stem and stride-2 stages: every step is a ceil of the input, so layer4 is ⌈H/32⌉', () => {
    const conv1 = window('H', 7, 2, 3);
    expect(formatDim(conv1)).toBe('⌈H/2⌉');
    const pool = window(conv1, 3, 2, 1);
    expect(formatDim(pool)).toBe('⌈H/4⌉');
    let x = pool;
    for (let i = 0; i < 3; i++) x = window(x, 3, 2, 1);
    expect(formatDim(x)).toBe('⌈H/32⌉');
    expect(dimText(x)).toBe('ceil(H/32)');
  });
  test('a 1x1 stride-2 projection and a 3x3 stride-2 pad-1 conv give the same dim, by key', () => {
    const x = dimCeilDiv('H', 4);
    expect(dimEquals(window(x, 1, 2, 0), window(x, 3, 2, 1))).toBe(true);
    expect(dimKey(window(x, 1, 2, 0))).toBe(dimKey(dimCeilDiv('H', 8)));
  });
  test('a 2x2 stride-2 window without padding is the floor, which differs', () => {
    expect(formatDim(window('H', 2, 2, 0))).toBe('⌊H/2⌋');
    expect(dimEquals(window('H', 2, 2, 0), dimCeilDiv('H', 2))).toBe(false);
  });
  test('dilation 2 with padding 2 keeps the size; gcds and nested divisions fold', () => {
    expect(window(dimCeilDiv('H', 8), 3, 1, 2, 2)).toEqual(dimCeilDiv('H', 8));
    expect(dimFloorDiv(dimAdd(dimMul('H', 2), 1), 4)).toEqual(dimFloorDiv('H', 2));
    expect(dimFloorDiv(dimAdd(dimFloorDiv('H', 2), 1), 3)).toEqual(dimFloorDiv(dimAdd('H', 2), 6));
  });
  test('readable and program text', () => {
    const e = dimAdd(dimFloorDiv(dimSub('H', 1), 2), 1);
    expect(formatDim(e)).toBe('⌈H/2⌉');
    const odd = dimAdd(dimFloorDiv(dimAdd('H', 1), 3), 2);
    expect(formatDim(odd)).toBe('⌊(H + 1)/3⌋ + 2');
    expect(dimText(odd)).toBe('floor((H + 1)/3) + 2');
    const area = dimMul(64, dimMul(dimCeilDiv('H', 4), dimCeilDiv('W', 4)));
    expect(formatDim(area)).toBe('64·⌈H/4⌉·⌈W/4⌉');
    expect(dimText(area)).toBe('64*ceil(H/4)*ceil(W/4)');
    expect(formatDim(dimSub('H', 1))).toBe('H - 1');
    expect(dimSymbols(area)).toEqual(['H', 'W']);
  });
  test('period and degree per symbol', () => {
    const area = dimMul(dimCeilDiv('H', 4), dimCeilDiv('H', 6));
    expect(dimShape(area).get('H')).toEqual({ period: 12, degree: 2 });
    expect(dimShape(dimAdd(dimFloorDiv('W', 3), 'H')).get('H')).toEqual({ period: 1, degree: 1 });
  });
  test('substitution', () => {
    const e = dimMul(dimCeilDiv('H', 4), dimCeilDiv('W', 4));
    expect(substituteDim(e, { H: 10 })).toEqual(dimMul(3, dimCeilDiv('W', 4)));
    expect(substituteDim(e, { H: 10, W: 7 })).toBe(6);
  });
});

describe('property: simplification never changes the value', () => {
  const leaf = fc.oneof(fc.constant<Dim>('H'), fc.integer({ min: -5, max: 9 }) as fc.Arbitrary<Dim>);
  const { expr } = fc.letrec<{ expr: Dim }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => dimAdd(a, b)),
      fc.tuple(tie('expr'), fc.integer({ min: -3, max: 3 })).map(([a, k]) => dimMul(a, k)),
      fc.tuple(tie('expr'), fc.integer({ min: 1, max: 7 })).map(([a, m]) => dimFloorDiv(a, m)),
      fc.tuple(tie('expr'), fc.integer({ min: 1, max: 7 })).map(([a, m]) => dimCeilDiv(a, m)),
    ),
  }));
  // the same construction evaluated directly with numbers
  test('built expressions evaluate like the arithmetic they were built from', () => {
    const ops = fc.array(fc.tuple(fc.constantFrom('add', 'mul', 'floor', 'ceil'), fc.integer({ min: 1, max: 7 })), { maxLength: 8 });
    fc.assert(
      fc.property(ops, fc.integer({ min: -40, max: 200 }), (steps, h) => {
        let d: Dim = 'H';
        let v = h;
        for (const [op, k] of steps) {
          if (op === 'add') [d, v] = [dimAdd(d, k - 3), v + k - 3];
          else if (op === 'mul') [d, v] = [dimMul(d, k - 3), v * (k - 3)];
          else if (op === 'floor') [d, v] = [dimFloorDiv(d, k), Math.floor(v / k)];
          else [d, v] = [dimCeilDiv(d, k), Math.ceil(v / k)];
        }
        return evalDim(d, { H: h }) === v;
      }),
      { seed: 13, numRuns: 400 },
    );
  });
  test('equal keys mean equal values', () => {
    fc.assert(
      fc.property(expr, expr, fc.integer({ min: -30, max: 60 }), (a, b, h) => dimKey(a) !== dimKey(b) || evalDim(a, { H: h }) === evalDim(b, { H: h })),
      { seed: 7, numRuns: 300 },
    );
  });
});
