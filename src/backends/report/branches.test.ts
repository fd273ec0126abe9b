import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel } from '../../dsl/model.js';
import { buildGraph } from '../../dsl/builder.js';
import { conv2d, relu } from '../../dsl/layers.js';
import { concat } from '../../dsl/tensorOps.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { branchSteps, hasFork } from './branches.js';

describe('branchSteps', () => {
  test('DeepLabHead: ASPP\'s five branches as lanes in concat order, the layers before and after in graph order', () => {
    const m = describeModel(inferShapes(buildModel(ZOO.get('deeplabv3_resnet50')!, { input: [3, 64, 64] })));
    const head = m.sections.find((s) => s.name === 'classifier')!;
    const steps = branchSteps(head.layers);
    const fork = steps.find((s) => s.kind === 'fork');
    if (fork?.kind !== 'fork') throw new Error('no fork');
    expect(fork.join.node.module).toBe('classifier.0.cat');
    expect(fork.lanes.map((ls) => ls.map((l) => l.node.module))).toEqual([
      ['classifier.0.convs.0.0', 'classifier.0.convs.0.1', 'classifier.0.convs.0.2'],
      ['classifier.0.convs.1.0', 'classifier.0.convs.1.1', 'classifier.0.convs.1.2'],
      ['classifier.0.convs.2.0', 'classifier.0.convs.2.1', 'classifier.0.convs.2.2'],
      ['classifier.0.convs.3.0', 'classifier.0.convs.3.1', 'classifier.0.convs.3.2'],
      ['classifier.0.convs.4.0', 'classifier.0.convs.4.1', 'classifier.0.convs.4.2', 'classifier.0.convs.4.3', 'classifier.0.convs.4.interpolate'],
    ]);
    expect(steps.filter((s) => s.kind === 'layer').map((s) => (s.kind === 'layer' ? s.layer.node.module : ''))).toEqual([
      'classifier.0.project.0',
      'classifier.0.project.1',
      'classifier.0.project.2',
      'classifier.0.project.3',
      'classifier.1',
      'classifier.2',
      'classifier.3',
      'classifier.4',
      'out',
    ]);
    expect(steps.indexOf(fork)).toBe(0);
  });
  test('a shared stem before the fork stays a plain step; without a Concat there is no fork', () => {
    const g = inferShapes(
      buildGraph({ name: 'g', input: [3, 8, 8] }, (x) => {
        const s = relu(conv2d(x, { name: 'stem', outChannels: 4, kernel: 1 }));
        return concat([conv2d(s, { name: 'a', outChannels: 4, kernel: 1 }), conv2d(s, { name: 'b', outChannels: 4, kernel: 3, padding: 1 })]);
      }),
    );
    const layers = describeModel(g).sections.flatMap((s) => s.layers);
    expect(branchSteps(layers).map((s) => (s.kind === 'layer' ? s.layer.node.name : s.lanes.map((l) => l.map((x) => x.node.name).join('+')).join(' | ')))).toEqual(['stem', 'relu', 'a | b']);
    expect(hasFork(layers.filter((l) => l.node.op !== 'Concat'))).toBe(false);
  });
});
