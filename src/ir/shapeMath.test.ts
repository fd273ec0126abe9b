import { describe, expect, test } from 'vitest';
import { effectiveKernel, windowOutDim } from './shapeMath.js';

describe('windowOutDim', () => {
  test('matches PyTorch Conv2d / MaxPool2d output sizes', () => {
    expect(windowOutDim(224, 7, 2, 3, 3, 1)).toBe(112); // resnet stem conv
    expect(windowOutDim(112, 3, 2, 1, 1, 1)).toBe(56); // stem max pool
    expect(windowOutDim(56, 3, 2, 1, 1, 1)).toBe(28);
    expect(windowOutDim(7, 3, 2, 1, 1, 1)).toBe(4);
    expect(windowOutDim(28, 3, 1, 2, 2, 2)).toBe(28); // dilation 2, padding 2 keeps size
    expect(windowOutDim(28, 3, 1, 4, 4, 4)).toBe(28);
    expect(windowOutDim(5, 2, 2, 0, 0, 1, false)).toBe(2);
  });
  test('ceil mode follows PyTorch, including the last-window rule', () => {
    expect(windowOutDim(5, 2, 2, 0, 0, 1, true)).toBe(3);
    expect(windowOutDim(6, 2, 2, 0, 0, 1, true)).toBe(3);
    // values checked against torch.nn.MaxPool2d(k, s, p, ceil_mode=True)
    expect(windowOutDim(4, 3, 2, 1, 1, 1, true)).toBe(3);
    expect(windowOutDim(5, 2, 2, 1, 1, 1, true)).toBe(3); // last window would start in the end padding: dropped
    expect(windowOutDim(6, 3, 2, 1, 1, 1, true)).toBe(4);
    expect(windowOutDim(7, 3, 2, 1, 1, 1, true)).toBe(4);
  });
  test('effective kernel of a dilated kernel', () => {
    expect(effectiveKernel(3, 1)).toBe(3);
    expect(effectiveKernel(3, 2)).toBe(5);
    expect(effectiveKernel(3, 4)).toBe(9);
  });
  test('empty output when the kernel does not fit', () => {
    expect(windowOutDim(2, 7, 2, 0, 0, 1)).toBe(0);
  });
});
