import { expect, test } from 'vitest';
import { groupDigits } from './format.js';

test('groupDigits matches en-US grouping', () => {
  for (const n of [0, 7, 999, 1000, 26_560, 25_557_032, 4_089_184_256, -1234567, 12.9]) {
    expect(groupDigits(n)).toBe(Math.trunc(n).toLocaleString('en-US'));
  }
});
