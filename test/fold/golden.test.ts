/**
 * Golden IR dumps of cifar_resnet20 compiled without and with BatchNorm folding, so that a
 * change in what folding does shows up in review. UPDATE_GOLDEN=1 rewrites the files.
 */
import { expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZOO } from '../../src/zoo/index.js';
import { compile } from '../../src/compile.js';
import { printGraph } from '../../src/ir/print.js';

const golden = (name: string): string => join(import.meta.dirname, '../golden', name);

for (const fold of [false, true]) {
  const file = `fold-cifar_resnet20.${fold ? 'folded' : 'unfolded'}.txt`;
  test(`cifar_resnet20 ${fold ? 'after' : 'without'} fold-batchnorm matches test/golden/${file}`, () => {
    const text = printGraph(compile(ZOO.get('cifar_resnet20')!, { foldBatchNorm: fold }).graph);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden(file), text);
    expect(text).toBe(readFileSync(golden(file), 'utf8'));
  });
}
