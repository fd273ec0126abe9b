import { describe, expect, test } from 'vitest';
import type { Dim } from './types.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMul, dimSub } from './dim.js';
import { describeCondition, proveEqual, smallestSize } from './dimProof.js';

const window = (x: Dim, k: number, s: number, p: number): Dim => dimAdd(dimFloorDiv(dimAdd(x, 2 * p - (k - 1) - 1), s), 1);

describe('proveEqual', () => {
  test('equal for every size, also when written differently', () => {
    expect(proveEqual(dimCeilDiv('H', 2), window('H', 3, 2, 1))).toEqual({ kind: 'always' });
    // floor(H/2) + ceil(H/2) = H: not the same canonical form, equal all the same
    expect(proveEqual(dimAdd(dimFloorDiv('H', 2), dimCeilDiv('H', 2)), 'H')).toEqual({ kind: 'always' });
  });
  test('floor vs ceil of H/2: equal exactly when H is even', () => {
    const p = proveEqual(dimFloorDiv('H', 2), dimCeilDiv('H', 2));
    expect(p).toMatchObject({ kind: 'when', symbol: 'H', modulus: 2, residues: [0] });
    expect(describeCondition(p as Extract<typeof p, { kind: 'when' }>)).toBe('H is even');
    expect((p as { example: Record<string, number> }).example).toEqual({ H: 1 });
  });
  test('a declared multiple removes the condition', () => {
    expect(proveEqual(dimFloorDiv('H', 2), dimCeilDiv('H', 2), new Map([['H', { multipleOf: 32 }]]))).toEqual({ kind: 'always' });
    const p = proveEqual(dimFloorDiv('H', 4), dimCeilDiv('H', 4), new Map([['H', { multipleOf: 2 }]]));
    expect(p).toMatchObject({ kind: 'when', modulus: 4, residues: [0] });
  });
  test('coarsest description of the equal residues', () => {
    // floor(H/4) == floor((H+1)/4) unless H mod 4 == 3
    const p = proveEqual(dimFloorDiv('H', 4), dimFloorDiv(dimAdd('H', 1), 4));
    expect(p).toMatchObject({ kind: 'when', modulus: 4, residues: [0, 1, 2] });
    expect(describeCondition(p as Extract<typeof p, { kind: 'when' }>)).toBe('H mod 4 is 0, 1 or 2');
  });
  test('never equal, with an example; different symbols compared on a grid', () => {
    expect(proveEqual('H', dimAdd('H', 1))).toMatchObject({ kind: 'never', example: { H: 1 } });
    expect(proveEqual(dimCeilDiv('H', 2), dimCeilDiv('W', 2)).kind).toBe('never');
    expect(proveEqual(dimMul(dimCeilDiv('H', 2), dimCeilDiv('W', 2)), dimMul(dimCeilDiv('W', 2), dimCeilDiv('H', 2)))).toEqual({ kind: 'always' });
    expect(proveEqual(3, 4)).toMatchObject({ kind: 'never' });
  });
});

describe('smallestSize', () => {
  test('no padding: each 3x3 conv needs two more pixels, the module that collapses first is named', () => {
    const c1 = window('H', 3, 1, 0);
    const c2 = window(c1, 3, 1, 0);
    const r = smallestSize([{ dim: c1, where: 'conv1' }, { dim: c2, where: 'conv2' }], 'H', undefined, {});
    expect(r).toEqual({ min: 5, collapses: { at: 4, where: 'conv2', value: 0 } });
  });
  test('padded ResNet convs work down to 1 pixel; a declared multiple steps by it', () => {
    expect(smallestSize([{ dim: dimCeilDiv('H', 32), where: 'layer4' }], 'H', undefined, {})).toEqual({ min: 1 });
    const r = smallestSize([{ dim: dimSub(dimFloorDiv('H', 8), 2), where: 'x' }], 'H', new Map([['H', { multipleOf: 8 }]]), {});
    expect(r).toEqual({ min: 24, collapses: { at: 16, where: 'x', value: 0 } });
  });
  test('a map that never reaches one pixel has no minimum', () => {
    expect(smallestSize([{ dim: dimSub(0, 'H'), where: 'x' }], 'H', undefined, {})).toBeUndefined();
  });
});
