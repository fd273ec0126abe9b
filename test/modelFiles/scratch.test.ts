import { it, expect } from 'vitest';
it('native import', async () => {
  const m2 = await import('file:///tmp/nfx/native.mjs?x=1');
  console.log(m2['where'], m2['s2']);
  const { createRequire } = await import('node:module');
  expect(1).toBe(1);
});
