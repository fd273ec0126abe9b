/** The compile pipeline's passes, their order, and how a broken pass is reported. */
import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { compile, standardPasses } from '../../src/compile.js';
import { NetforgeError } from '../../src/errors.js';
import type { Pass } from '../../src/passes/pass.js';

const def = ZOO.get('cifar_resnet20')!;

/** Deliberately broken: drops the first node, so its output is read but never produced. */
const dropFirst: Pass = { name: 'drop-first-node', run: (g) => ({ ...g, nodes: g.nodes.slice(1) }) };

describe('compile pipeline', () => {
  test('pass order, with and without folding and BN randomization', () => {
    expect(standardPasses(def, {}).map((p) => p.name)).toEqual(['infer-shapes', 'verify-structure', 'init-params', 'fold-batchnorm', 'eliminate-identity', 'eliminate-dead']);
    expect(standardPasses(def, { foldBatchNorm: false, randomizeBatchNorm: true }).map((p) => p.name)).toEqual([
      'infer-shapes',
      'verify-structure',
      'init-params',
      'randomize-batchnorm',
      'eliminate-identity',
      'eliminate-dead',
    ]);
  });

  test('a pass that breaks the IR is named with the invariant and every pass before it', () => {
    let err: unknown;
    try {
      compile(def, { extraPasses: [dropFirst] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetforgeError);
    expect((err as NetforgeError).code).toBe('E_IR_INVALID');
    expect((err as NetforgeError).message.split('\n')[0]).toBe(
      "pass 'drop-first-node' broke invariant [topo] after [infer-shapes, verify-structure, init-params, fold-batchnorm, eliminate-identity, eliminate-dead]:",
    );
  });

  test('the same seed gives the same folded weights; folding does not depend on randomization order', () => {
    const a = compile(def, { seed: 7, randomizeBatchNorm: true });
    const b = compile(def, { seed: 7, randomizeBatchNorm: true });
    expect(a.graph.params.get('layer2.1.conv1.bias')!.data).toEqual(b.graph.params.get('layer2.1.conv1.bias')!.data);
    const c = compile(def, { seed: 8, randomizeBatchNorm: true });
    expect(a.graph.params.get('layer2.1.conv1.bias')!.data).not.toEqual(c.graph.params.get('layer2.1.conv1.bias')!.data);
    // identity BatchNorm (fresh init) folds to a zero bias and the weight scaled by 1/sqrt(1 + eps)
    const plain = compile(def, { seed: 7 });
    const unfolded = compile(def, { seed: 7, foldBatchNorm: false });
    expect(Array.from(plain.graph.params.get('conv1.bias')!.data!).every((v) => v === 0)).toBe(true);
    const w0 = unfolded.graph.params.get('conv1.weight')!.data![0]!;
    expect(plain.graph.params.get('conv1.weight')!.data![0]).toBe(Math.fround(w0 / Math.sqrt(1 + Math.fround(1e-5))));
  });
});
