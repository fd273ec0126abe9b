/**
 * BatchNorm folding edge cases, each proven in onnxruntime: the graph before and after the
 * cleanup pipeline (fold-batchnorm -> eliminate-identity -> eliminate-dead) must give the
 * same outputs (max rel diff <= 1e-5) on a seeded batch of 2.
 */
import { describe, expect, test } from 'vitest';
import type { Graph } from '../../src/ir/types.js';
import type { Tensor } from '../../src/dsl/builder.js';
import { buildGraph } from '../../src/dsl/builder.js';
import { add, adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, linear, relu } from '../../src/dsl/layers.js';
import { runPasses } from '../../src/passes/manager.js';
import { foldBatchNormPass } from '../../src/passes/foldBatchNorm.js';
import { eliminateIdentityPass } from '../../src/passes/eliminateIdentity.js';
import { eliminateDeadPass } from '../../src/passes/eliminateDead.js';
import { NetforgeError } from '../../src/errors.js';
import { addDeadConv, expectSameOutputs, insertIdentity, opCount, withParam, withWeights } from './helpers.js';

const head = (y: Tensor): Tensor => linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: 5 });

function optimize(g: Graph): { graph: Graph; notes: string[] } {
  const { graph, trace } = runPasses(g, [foldBatchNormPass, eliminateIdentityPass, eliminateDeadPass]);
  return { graph, notes: trace.flatMap((t) => t.notes) };
}

/** stem conv -> bn -> relu -> head, the conv built with `conv` options and the BN with `eps`. */
function chain(o: { bias?: boolean; eps?: number; groups?: number; stride?: number; dilation?: number; kernel?: [number, number] } = {}): Graph {
  return buildGraph({ name: 'chain', input: [4, 12, 10] }, (x) => {
    let y = conv2d(x, {
      name: 'conv',
      outChannels: 8,
      kernel: o.kernel ?? 3,
      padding: 1,
      bias: o.bias ?? false,
      groups: o.groups ?? 1,
      stride: o.stride ?? 1,
      dilation: o.dilation ?? 1,
    });
    y = relu(batchNorm2d(y, { name: 'bn', ...(o.eps !== undefined ? { eps: o.eps } : {}) }));
    return head(y);
  });
}

async function foldsAndAgrees(g: Graph): Promise<Graph> {
  const { graph } = optimize(g);
  expect(opCount(graph, 'BatchNormalization')).toBe(0);
  await expectSameOutputs(g, graph);
  return graph;
}

describe('fold-batchnorm in onnxruntime', () => {
  test('plain conv -> bn -> relu', async () => {
    const out = await foldsAndAgrees(withWeights(chain()));
    expect(out.nodes[0]!.params).toEqual(['conv.weight', 'conv.bias']);
  });

  test('a conv that already has a bias', async () => {
    const g = withWeights(chain({ bias: true }));
    const out = await foldsAndAgrees(g);
    expect([...out.params.keys()].filter((k) => k.startsWith('conv.'))).toEqual(['conv.weight', 'conv.bias']);
    expect(out.params.get('conv.bias')!.data).not.toEqual(g.params.get('conv.bias')!.data);
  });

  test('eps other than 1e-5', async () => {
    for (const eps of [1e-3, 0.1, 2]) await foldsAndAgrees(withWeights(chain({ eps })));
  });

  test('running_var of 1e5 and of 1e-8', async () => {
    for (const v of [1e5, 1e-8]) await foldsAndAgrees(withParam(withWeights(chain()), 'bn.running_var', v));
  });

  test('grouped, strided, dilated and rectangular convs (filters scale per output channel)', async () => {
    await foldsAndAgrees(withWeights(chain({ groups: 4, stride: 2 })));
    await foldsAndAgrees(withWeights(chain({ groups: 2, dilation: 2, kernel: [3, 1] })));
  });

  test('BN after BN folds twice; a BN that is the graph output keeps the output name', async () => {
    const g = withWeights(
      buildGraph({ name: 'tail', input: [3, 8, 8], outputName: 'features' }, (x) => {
        const y = relu(batchNorm2d(batchNorm2d(conv2d(x, { name: 'c1', outChannels: 6, kernel: 3, bias: false }), { name: 'bn_a' }), { name: 'bn_b' }));
        return batchNorm2d(conv2d(y, { name: 'c2', outChannels: 4, kernel: 1, bias: false }), { name: 'bn_out' });
      }),
    );
    const out = await foldsAndAgrees(g);
    expect(out.outputs).toEqual(['features']);
    expect(out.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'Conv']);
  });

  test('BN after ReLU is not folded (the BN before it is)', async () => {
    const g = withWeights(
      buildGraph({ name: 'relu_bn', input: [3, 8, 8] }, (x) => {
        const y = relu(batchNorm2d(conv2d(x, { name: 'conv', outChannels: 6, kernel: 3, bias: false }), { name: 'bn1' }));
        return head(batchNorm2d(y, { name: 'bn2' }));
      }),
    );
    const { graph, notes } = optimize(g);
    expect(graph.nodes.filter((n) => n.op === 'BatchNormalization').map((n) => n.module)).toEqual(['bn2']);
    expect(notes).toContain('folded bn1 into conv');
    expect(notes).toContain('kept bn2: its input comes from Relu relu, not a Conv');
    await expectSameOutputs(g, graph);
  });

  test('a conv output consumed twice is not folded', async () => {
    const g = withWeights(
      buildGraph({ name: 'branch', input: [3, 8, 8] }, (x) => {
        const c = conv2d(x, { name: 'conv', outChannels: 6, kernel: 3, padding: 1, bias: false });
        return head(add(batchNorm2d(c, { name: 'bn' }), relu(c)));
      }),
    );
    const { graph, notes } = optimize(g);
    expect(graph).toBe(g);
    expect(notes).toEqual(['kept bn: the output of conv is also used elsewhere']);
    await expectSameOutputs(g, graph);
  });

  test('a shared conv weight is not folded', async () => {
    const g = withWeights(
      buildGraph({ name: 'shared', input: [6, 8, 8] }, (x) => {
        const a = relu(batchNorm2d(conv2d(x, { name: 'conv', outChannels: 6, kernel: 3, padding: 1, bias: false }), { name: 'bn_a' }));
        const b = batchNorm2d(conv2d(a, { name: 'conv', outChannels: 6, kernel: 3, padding: 1, bias: false, reuse: true }), { name: 'bn_b' });
        return head(relu(b));
      }),
    );
    const { graph, notes } = optimize(g);
    expect(opCount(graph, 'BatchNormalization')).toBe(2);
    expect(notes).toEqual(['kept bn_a: conv shares its weights with another layer', 'kept bn_b: conv shares its weights with another layer']);
    await expectSameOutputs(g, graph);
  });

  test('var + eps <= 0 is refused with E_FOLD_INVALID naming the BN', () => {
    const g = withParam(withWeights(chain({ eps: 1e-5 })), 'bn.running_var', [1, 1, 1, -1e-5, 1, 1, 1, 1]);
    let err: unknown;
    try {
      optimize(g);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetforgeError);
    expect((err as NetforgeError).code).toBe('E_FOLD_INVALID');
    expect((err as NetforgeError).modulePath).toBe('bn');
  });

  test('Identity nodes and a dead branch are cleaned up without changing the numbers', async () => {
    let g = withWeights(chain());
    g = insertIdentity(g, 'relu', 'relu_copy');
    g = insertIdentity(g, 'logits', 'out');
    g = withWeights(addDeadConv(g, 'relu_copy'));
    const { graph, notes } = optimize(g);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    expect(graph.outputs).toEqual(['out']);
    expect(graph.params.has('dead_conv.weight')).toBe(false);
    expect(notes).toContain('removed dead_conv (Conv): its output reaches no graph output');
    await expectSameOutputs(g, graph);
  });
});
