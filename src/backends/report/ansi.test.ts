import { expect, test } from 'vitest';
import { painter, stripAnsi, visibleWidth } from './ansi.js';

test('no color: styles are the identity', () => {
  expect(painter(false)('bold', 'x')).toBe('x');
});

test('color: codes wrap the text and do not count toward the width', () => {
  const s = painter(true)('green', '✓ verified');
  expect(s).toBe('\u001b[32m✓ verified\u001b[39m');
  expect(stripAnsi(s)).toBe('✓ verified');
  expect(visibleWidth(s)).toBe(10);
  expect(painter(true)('bold', '')).toBe('');
});
