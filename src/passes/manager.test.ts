import { describe, expect, test } from 'vitest';
import { errorOf } from '../../test/helpers/errors.js';
import type { Graph } from '../ir/types.js';
import { buildGraph } from '../dsl/builder.js';
import { batchNorm2d, conv2d, relu } from '../dsl/layers.js';
import { runPasses } from './manager.js';
import type { Pass } from './pass.js';
import { inferShapesPass } from './inferShapes.js';
import { initParamsPass } from './initParams.js';
import { foldBatchNormPass } from './foldBatchNorm.js';

const graph = (): Graph =>
  buildGraph({ name: 'm', input: [3, 4, 4] }, (x) => relu(batchNorm2d(conv2d(x, { name: 'conv', outChannels: 2, kernel: 1, bias: false }), { name: 'bn' })));

/** Deliberately broken: reads a value nobody produces. */
const dangling: Pass = {
  name: 'dangling-input',
  run: (g) => ({ ...g, nodes: g.nodes.map((n, i) => (i === g.nodes.length - 1 ? { ...n, inputs: ['nowhere'] } : n)) }),
};
/** Deliberately broken: produces a value twice. */
const twice: Pass = { name: 'duplicate-node', run: (g) => ({ ...g, nodes: [...g.nodes, { ...g.nodes[0]!, name: 'copy' }] }) };


describe('pass manager', () => {
  test('names the pass, the broken invariant and the passes before it', () => {
    const e = errorOf(() => runPasses(graph(), [inferShapesPass, initParamsPass(0), foldBatchNormPass, dangling]));
    expect(e.code).toBe('E_IR_INVALID');
    expect(e.message.split('\n')[0]).toBe("pass 'dangling-input' broke invariant [refs] after [infer-shapes, init-params, fold-batchnorm]:");
    const e2 = errorOf(() => runPasses(graph(), [twice]));
    expect(e2.message.split('\n')[0]).toBe("pass 'duplicate-node' broke invariant [ssa] after []:");
  });

  test('an invalid input graph is reported before any pass runs', () => {
    const g = graph();
    const e = errorOf(() => runPasses({ ...g, outputs: ['missing'] }, [inferShapesPass]));
    expect(e.code).toBe('E_IR_INVALID');
    expect(e.message).toMatch(/^the input graph breaks invariant \[outputs\]/);
  });

  test('a pass that crashes is named with the passes before it', () => {
    const crash: Pass = { name: 'crash', run: () => { throw new TypeError('boom'); } };
    expect(() => runPasses(graph(), [inferShapesPass, crash])).toThrow("an error occurred in pass 'crash' after [infer-shapes]: boom");
  });

  test('traces what each pass changed; --print-after dumps the IR after a pass', () => {
    const dumps: string[] = [];
    const { trace } = runPasses(graph(), [inferShapesPass, initParamsPass(0), foldBatchNormPass], { printAfter: ['fold-batchnorm'], print: (t) => dumps.push(t) });
    expect(trace.map((t) => [t.pass, t.changed])).toEqual([['infer-shapes', false], ['init-params', true], ['fold-batchnorm', true]]);
    expect(trace[2]!.notes).toEqual(['folded bn into conv']);
    expect(dumps).toHaveLength(1);
    expect(dumps[0]).toMatch(/^\/\/ IR after fold-batchnorm\ngraph m/);
    expect(dumps[0]).not.toContain('BatchNormalization');
    expect(() => runPasses(graph(), [inferShapesPass], { printAfter: ['fold-bn'] })).toThrow(/unknown pass 'fold-bn'/);
  });
});
