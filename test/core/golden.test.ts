/** Golden IR dump of resnet18 as built (before optimization): structural changes show up in review. */
import { expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZOO } from '../../src/zoo/index.js';
import { buildModel } from '../../src/dsl/model.js';
import { inferShapes } from '../../src/passes/inferShapes.js';
import { printGraph } from '../../src/ir/print.js';

const GOLDEN = join(import.meta.dirname, '../golden/resnet18.ir.txt');

test('resnet18 IR matches the golden dump (UPDATE_GOLDEN=1 rewrites it)', () => {
  const text = printGraph(inferShapes(buildModel(ZOO.get('resnet18')!)));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, text);
  expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
});

test('the IR printer is deterministic', () => {
  const a = printGraph(buildModel(ZOO.get('resnet18')!));
  const b = printGraph(buildModel(ZOO.get('resnet18')!));
  expect(a).toBe(b);
});
