import { describe, expect, test } from 'vitest';
import { ZOO } from '../zoo/index.js';
import { defineModel, type ModelOptions } from '../dsl/model.js';
import { batchNorm2d, conv2d } from '../dsl/layers.js';
import { inspectModel } from '../inspect.js';
import { allBlocks } from '../backends/report/structure.js';
import { stateDictEntries, weightsCompat } from './weights.js';

const graph = (name: string, o: ModelOptions = {}) => inspectModel(ZOO.get(name)!, o).graph;

describe('stateDictEntries', () => {
  test("torch's state_dict: every param and buffer, a num_batches_tracked after each BatchNorm", () => {
    const sd = stateDictEntries(graph('cifar_resnet20'));
    // 19 BatchNorms x 5 + 19 convs + fc weight and bias
    expect(sd.length).toBe(19 * 5 + 19 + 2);
    expect(sd.slice(0, 6).map((e) => e.name)).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']);
    expect(sd.find((e) => e.name === 'bn1.num_batches_tracked')!.shape).toEqual([]);
  });
});

describe('weightsCompat', () => {
  test('the same model: everything loads, strictly', () => {
    const w = weightsCompat(graph('cifar_resnet20'), graph('cifar_resnet20'));
    expect(w).toMatchObject({ entries: 116, tracked: 19, loads: 116, shapeChanged: [], onlyInA: [], onlyInB: [] });
    expect(w.verdict).toEqual({ ok: true, noStrict: false, numClasses: false, fresh: [], freshParams: 0, adapted: [], checkpointNotes: [] });
  });

  test('more blocks in B: strict fails, --no-strict leaves the new blocks fresh', () => {
    const [a, b] = [inspectModel(ZOO.get('cifar_resnet20')!), inspectModel(ZOO.get('cifar_resnet32')!)];
    const w = weightsCompat(a.graph, b.graph, { blocksB: allBlocks(b.structure).map((x) => x.path) });
    expect(w.loads).toBe(w.entries);
    // 2 new blocks per stage, each 2 convs + 2 BatchNorms (4 tensors; torch fills in the counters)
    expect(w.onlyInB.length).toBe(6 * 10);
    expect(w.verdict).toMatchObject({ ok: true, noStrict: true, numClasses: false });
    expect(w.verdict.fresh.length).toBe(6 * 10);
    expect(w.verdict.freshParams).toBe(b.stats.params - a.stats.params);
    expect(w.described.onlyInB).toEqual({ units: ['layer1.3', 'layer1.4', 'layer2.3', 'layer2.4', 'layer3.3', 'layer3.4'], groups: [] });
    // the other way round: B's checkpoint has keys A has no place for, counters included
    const back = weightsCompat(b.graph, a.graph);
    expect(back.onlyInA.length).toBe(6 * 12);
    expect(back.verdict).toMatchObject({ ok: true, noStrict: true, fresh: [], freshParams: 0, adapted: [] });
  });

  test('another class count: --num-classes replaces the classifier; given on B already, it loads as is', () => {
    const w = weightsCompat(graph('cifar_resnet20'), graph('cifar_resnet20', { numClasses: 100 }));
    expect(w.shapeChanged).toEqual([
      { name: 'fc.weight', a: [10, 64], b: [100, 64] },
      { name: 'fc.bias', a: [10], b: [100] },
    ]);
    expect(w.verdict).toEqual({ ok: true, noStrict: false, numClasses: true, fresh: ['fc.weight', 'fc.bias'], freshParams: 6500, adapted: [], checkpointNotes: [] });
    const given = weightsCompat(graph('cifar_resnet20'), graph('cifar_resnet20', { numClasses: 100 }), { bReplacesHead: true });
    expect(given.verdict).toMatchObject({ ok: true, noStrict: false, numClasses: false, fresh: ['fc.weight', 'fc.bias'] });
  });

  test('more blocks and another class count given on B: --no-strict, the new blocks and the classifier fresh', () => {
    const w = weightsCompat(graph('cifar_resnet20'), graph('cifar_resnet32', { numClasses: 100 }), { bReplacesHead: true });
    expect(w.verdict).toMatchObject({ ok: true, noStrict: true, numClasses: false });
    expect(w.verdict.fresh.length).toBe(6 * 10 + 2);
    expect(w.verdict.fresh.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
  });

  test('other widths: no load, even non-strict', () => {
    const net = (width: number) =>
      defineModel({ name: `w${width}`, input: [3, 8, 8], build: (x) => batchNorm2d(conv2d(x, { name: 'conv', outChannels: width, kernel: 3, bias: false }), { name: 'bn' }) });
    const w = weightsCompat(inspectModel(net(4)).graph, inspectModel(net(8)).graph);
    expect(w.shapeChanged.map((s) => s.name)).toEqual(['conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var']);
    expect(w.loads).toBe(1); // bn.num_batches_tracked: a counter has no width
    expect(w.verdict).toEqual({ ok: false, noStrict: false, numClasses: false, fresh: [], freshParams: 0, adapted: [], checkpointNotes: [] });
  });

  test('--in-chans on B: the input conv is adapted before loading, as --weights does; the lists stay torch\'s', () => {
    const w = weightsCompat(graph('resnet18'), inspectModel(ZOO.get('resnet18')!, { inChans: 1 }).graph, { bInChans: 1 });
    expect(w.shapeChanged).toEqual([{ name: 'conv1.weight', a: [64, 3, 7, 7], b: [64, 1, 7, 7] }]);
    expect(w.verdict).toMatchObject({ ok: true, noStrict: false, fresh: [], adapted: ['conv1.weight'] });
    const four = weightsCompat(inspectModel(ZOO.get('resnet18')!, { inChans: 4 }).graph, inspectModel(ZOO.get('resnet18')!, { inChans: 2 }).graph, { bInChans: 2 });
    expect(four.verdict.ok).toBe(false);
    expect(four.verdict.adaptError).toBe('conv1.weight has 4 input channels: --in-chans 2 widens RGB (3-channel) weights only');
  });
});
