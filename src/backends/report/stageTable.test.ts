import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, type ModelOptions } from '../../dsl/model.js';
import { buildGraph } from '../../dsl/builder.js';
import { resnet } from '../../dsl/resnet.js';
import { bottleneck } from '../../dsl/blocks.js';
import { conv2d } from '../../dsl/layers.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { stageRows, stageTableHtml } from './stageTable.js';
import { seNet } from '../../../test/helpers/seNet.js';

const zoo = (name: string, o: ModelOptions = {}) => describeModel(inferShapes(buildModel(ZOO.get(name)!, o)));


describe('stage table (He et al. 2015, Table 1 style)', () => {
  test('resnet50', () => {
    const rows = stageRows(zoo('resnet50'));
    expect(rows.map((r) => [r.name, r.paperName, r.outputSize, r.channels])).toEqual([
      ['stem', 'conv1', '56×56', 64],
      ['layer1', 'conv2_x', '56×56', 256],
      ['layer2', 'conv3_x', '28×28', 512],
      ['layer3', 'conv4_x', '14×14', 1024],
      ['layer4', 'conv5_x', '7×7', 2048],
      ['head', undefined, '1×1', 1000],
    ]);
    expect(rows.map((r) => r.spec)).toEqual([
      ['7x7, 64, stride 2', '3x3 max pool, stride 2'],
      ['[1x1, 64; 3x3, 64; 1x1, 256] x 3'],
      ['[1x1, 128; 3x3, 128; 1x1, 512] x 4'],
      ['[1x1, 256; 3x3, 256; 1x1, 1024] x 6'],
      ['[1x1, 512; 3x3, 512; 1x1, 2048] x 3'],
      ['global average pool', '1000-d fc'],
    ]);
    expect(rows.map((r) => r.downsampling)).toEqual(['/2 at conv1, /2 at maxpool', '', '/2 at layer2.0.conv2', '/2 at layer3.0.conv2', '/2 at layer4.0.conv2', '']);
    expect(rows[1]!.shortcuts).toBe('projection (1x1 conv, 256) ×1, identity ×2');
    expect(rows[2]!.shortcuts).toBe('projection (1x1 conv, 512, /2) ×1, identity ×3');
  });
  test('BasicBlock, groups', () => {
    expect(stageRows(zoo('resnet34'))[3]!.spec).toEqual(['[3x3, 256; 3x3, 256] x 6']);
    expect(stageRows(zoo('resnext101_32x8d'))[2]!.spec).toEqual(['[1x1, 512; 3x3, 512, g32; 1x1, 512] x 4']);
  });
  test('dilation where it replaced stride: a bracket per distinct block', () => {
    const rows = stageRows(zoo('resnet50', { replaceStrideWithDilation: [false, true, true] }));
    expect(rows[3]!.spec).toEqual(['[1x1, 256; 3x3, 256; 1x1, 1024] x 1', '[1x1, 256; 3x3, 256, d2; 1x1, 1024] x 5']);
    expect(rows[4]!.spec).toEqual(['[1x1, 512; 3x3, 512, d2; 1x1, 2048] x 1', '[1x1, 512; 3x3, 512, d4; 1x1, 2048] x 2']);
    expect(rows[3]!.outputSize).toBe('28×28');
    expect(rows[3]!.downsampling).toBe('none (dilation up to 2)');
  });
  test('read from the graph: the paper\'s v1 bottleneck strides its first 1x1', () => {
    const g = buildGraph({ name: 'v1', input: [3, 64, 64] }, (x) => resnet(x, { block: bottleneck, layers: [1, 2], widths: [8, 16], strideOn: '1x1', numClasses: 5 }));
    const rows = stageRows(describeModel(inferShapes(g)));
    expect(rows.map((r) => r.name)).toEqual(['stem', 'layer1', 'layer2', 'head']);
    expect(rows[2]!.spec).toEqual(['[1x1, 16; 3x3, 16; 1x1, 64] x 2']);
    expect(rows[2]!.downsampling).toBe('/2 at layer2.0.conv1');
    expect(rows[3]!.spec).toEqual(['global average pool', '5-d fc']);
  });
  test('HTML', () => {
    const html = stageTableHtml(zoo('resnet18'));
    expect(html).toMatch(/^<table class="nf-stages">/);
    expect(html).toContain('<code>[3x3, 64; 3x3, 64] x 2</code>');
    expect(html).toContain('<tr data-section="layer4">');
    expect(html).toMatch(/<tfoot>.*main-path depth 18 \(17 conv \+ 1 linear\)/);
  });
});

describe('stage table: gating branches (Hu et al. 2018, Table 1 style)', () => {
  test('SE: the main path as before, then the gate\'s fc widths', () => {
    const rows = stageRows(seNet());
    expect(rows.map((r) => r.spec)).toEqual([
      ['7x7, 64, stride 2', '3x3 max pool, stride 2'],
      ['[1x1, 8; 3x3, 8; 1x1, 32; SE fc [8, 32]] x 2'],
      ['[1x1, 16; 3x3, 16; 1x1, 64; SE fc [16, 64]] x 2'],
      ['global average pool', '5-d fc'],
    ]);
    expect(rows[2]!.downsampling).toBe('/2 at layer2.0.conv2');
    expect(rows[2]!.shortcuts).toBe('projection (1x1 conv, 64, /2) ×1, identity ×1');
    expect(stageTableHtml(seNet())).toContain('<code>[1x1, 8; 3x3, 8; 1x1, 32; SE fc [8, 32]] x 2</code>');
  });
  test('a gate with a wider conv writes it as a conv; one without weights is just SE', () => {
    const wide = stageRows(seNet([1], (s, c) => conv2d(s, { name: 'fc', outChannels: c, kernel: 3, padding: 1 })));
    expect(wide[1]!.spec).toEqual(['[1x1, 8; 3x3, 8; 1x1, 32; SE [3x3, 32]] x 1']);
    const bare = stageRows(seNet([1], (s) => s));
    expect(bare[1]!.spec).toEqual(['[1x1, 8; 3x3, 8; 1x1, 32; SE] x 1']);
  });
});

describe('stage table of a segmentation model', () => {
  test('a head row per head: ASPP\'s branches on one line, the resize to the image, the branch from layer3', () => {
    const rows = stageRows(zoo('deeplabv3_resnet50', { auxLoss: true }));
    expect(rows.slice(5).map((r) => [r.name, r.outputSize, r.channels, r.spec])).toEqual([
      ['classifier', 'H×W', 21, ['ASPP [1x1, 256 | 3x3, 256, d12 | 3x3, 256, d24 | 3x3, 256, d36 | global average pool, 1x1, 256] → concat, 1280', '1x1, 256', '3x3, 256', '1x1, 21', 'bilinear resize to H×W']],
      ['aux_classifier', 'H×W', 21, ['on backbone.layer3', '3x3, 256', '1x1, 21', 'bilinear resize to H×W']],
    ]);
  });
});
