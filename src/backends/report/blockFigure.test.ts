import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { allBlocks, describeModel } from './structure.js';
import { BOX_W, GATED_COL_W, PAD, PLAIN_COL_W, STAGE_COL_W, blockFigure, blockWidth, layersFigure, runHeaderFigure, shortcutLabelLines, stageColumnWidth } from './blockFigure.js';
import type { Figure } from './svg.js';
import { buildGraph, scope } from '../../dsl/builder.js';
import { adaptiveAvgPool2d, add, conv2d, mul, relu, sigmoid } from '../../dsl/layers.js';
import { seNet } from '../../../test/helpers/seNet.js';

const structure = (name: string) => describeModel(inferShapes(buildModel(ZOO.get(name)!)));
const r18 = structure('resnet18');
const r152 = structure('resnet152');
const block = (m: typeof r18, path: string) => allBlocks(m).find((b) => b.path === path)!;
const labels = (f: Figure): string[] => [...f.body.matchAll(/<text[^>]*class="nf-label[^"]*"[^>]*>([^<]*)<\/text>/g)].map((x) => x[1]!);

/** Every rect lies inside the figure. */
function inside(f: Figure): void {
  for (const r of f.body.matchAll(/<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
    const [x, y, w, h] = r.slice(1).map(Number) as [number, number, number, number];
    expect(x).toBeGreaterThanOrEqual(0);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(f.w);
    expect(y + h).toBeLessThanOrEqual(f.h);
  }
}

describe('block figures', () => {
  test('a projection block: its convs as boxes, the shortcut labelled on the side', () => {
    const b = block(r18, 'layer2.0');
    const f = blockFigure(b);
    expect(f.w).toBe(STAGE_COL_W);
    expect(labels(f)).toEqual(['3x3 conv, 128, /2', '3x3 conv, 128']);
    expect(f.body).toContain('data-shortcut="projection"');
    expect(shortcutLabelLines(b)).toEqual(['projection', '1x1 conv', '128, /2']);
    expect(f.body).toContain('layer2.0 · BasicBlock');
    expect(f.body.match(/class="nf-add"/g)).toHaveLength(1);
    inside(f);
  });
  test('an identity block', () => {
    const f = blockFigure(block(r18, 'layer2.1'));
    expect(f.body).toContain('data-shortcut="identity"');
    expect(labels(f)).toEqual(['3x3 conv, 128', '3x3 conv, 128']);
    inside(f);
  });
  test('a collapsed run is drawn once, on a stack, with its range and count', () => {
    const first = block(r152, 'layer3.1');
    const last = block(r152, 'layer3.35');
    const f = blockFigure(first, { run: { last, count: 35 } });
    expect(f.body).toContain('layer3.1 … layer3.35');
    expect(f.body).toContain('35 × Bottleneck');
    expect(labels(f)).toEqual(['1x1 conv, 256', '3x3 conv, 256', '1x1 conv, 1024']);
    expect(f.body.match(/nf-stack/g)!.length).toBe(2 * 4); // pill + 3 boxes, two shadows each
    inside(f);
    const open = runHeaderFigure(first, last, 35, '▾ collapse');
    expect(open.body).toContain('>layer3.1 … layer3.35<');
    expect(open.body).toContain('>35 × Bottleneck<');
    inside(open);
  });
  test('a long label gets a smaller font, not an ellipsis', () => {
    const f = blockFigure(block(structure('resnext101_32x8d'), 'layer2.0'));
    expect(labels(f)).toEqual(['1x1 conv, 512', '3x3 conv, 512, g32, /2', '1x1 conv, 512']);
    expect(f.body).toContain('class="nf-label nf-label-tight" text-anchor="middle">3x3 conv, 512, g32, /2<');
  });
  test('stem and head columns show the notable layers', () => {
    expect(labels(layersFigure(r18.sections[0]!.layers))).toEqual(['7x7 conv, 64, /2', '3x3 max pool, /2']);
    const head = layersFigure(r18.sections[5]!.layers);
    expect(head.w).toBe(PLAIN_COL_W);
    expect(labels(head)).toEqual(['global avg pool', 'fc 1000']);
    inside(head);
  });
});

describe('gated block figures', () => {
  const se = seNet([1, 3]);
  /** The y of the circle whose class is exactly `cls`. */
  const cy = (f: Figure, cls: string): number => Number(f.body.match(new RegExp(`<circle cx="[\\d.]+" cy="([\\d.]+)" r="[\\d.]+" class="${cls}"`))![1]);
  test('the gate is a side lane of its own boxes, joining the main path at a ⊗ above the ⊕', () => {
    const b = block(se, 'layer2.0');
    const f = blockFigure(b);
    expect(f.w).toBe(GATED_COL_W);
    const gate = f.body.match(/<g class="nf-gate" data-gate="([^"]+)">(.*?)<\/g><g class="nf-scale"/)!;
    expect(gate[1]).toBe('layer2.0.se.pool layer2.0.se.fc1 layer2.0.se.relu layer2.0.se.fc2 layer2.0.se.sigmoid');
    expect(labels({ ...f, body: gate[2]! })).toEqual(['global avg pool', '1x1 conv, 16', '1x1 conv, 64']);
    expect(gate[2]).toContain('>sigmoid<');
    // the main path keeps its convs only, and no Mul box
    expect(labels(f)).toEqual(['1x1 conv, 16', '3x3 conv, 16, /2', '1x1 conv, 64', 'global avg pool', '1x1 conv, 16', '1x1 conv, 64']);
    expect(f.body).not.toContain('>Mul<');
    expect(f.body.match(/class="nf-add nf-mul"/g)).toHaveLength(1);
    expect(cy(f, 'nf-add nf-mul')).toBeLessThan(cy(f, 'nf-add'));
    expect(f.body).toContain('data-shortcut="projection"');
    inside(f);
  });
  test('gate boxes sit right of the main flow line and left of the shortcut lane', () => {
    const f = blockFigure(block(se, 'layer2.1'), { run: { last: block(se, 'layer2.2'), count: 2 } });
    const gate = f.body.match(/<g class="nf-gate"[^>]*>(.*?)<\/g><g class="nf-scale"/)![1]!;
    const lane = Number(f.body.match(/<path d="M[\d.]+ [\d.]+ L([\d.]+) [\d.]+ L[\d.]+ [\d.]+ L[\d.]+ [\d.]+" fill="none" class="nf-sc /)![1]);
    for (const r of gate.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)) {
      const [x, w] = [Number(r[1]), Number(r[2])];
      expect(x).toBeGreaterThan(PLAIN_COL_W / 2);
      expect(x + w).toBeLessThan(lane - 4);
    }
    expect(gate.match(/nf-stack/g)!.length).toBe(2 * 3); // a collapsed run stacks the gate boxes too
    inside(f);
  });
  test('column widths: a stage with a gated block gets the gate lane', () => {
    expect(stageColumnWidth(se.sections[1]!.blocks)).toBe(GATED_COL_W);
    expect(stageColumnWidth(r18.sections[1]!.blocks)).toBe(STAGE_COL_W);
    expect(blockFigure(block(r18, 'layer2.0')).body).not.toContain('nf-gate');
  });
  test('main-path layers beside the gate: the gate lane moves right of them', () => {
    const g = buildGraph({ name: 'beside', input: [8, 16, 16] }, (x) =>
      scope('stage', () =>
        scope(0, () => {
          const a = conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1 });
          const s = sigmoid(conv2d(adaptiveAvgPool2d(a, { name: 'pool' }), { name: 'fc', outChannels: 8, kernel: 1 }));
          const b = conv2d(relu(a), { name: 'conv2', outChannels: 8, kernel: 3, padding: 1 });
          return relu(add(mul(b, s), x));
        }),
      ),
    );
    const b = allBlocks(describeModel(inferShapes(g)))[0]!;
    const f = blockFigure(b);
    expect(f.w).toBe(blockWidth(b));
    expect(f.w).toBeGreaterThan(GATED_COL_W);
    expect(labels(f)).toEqual(['3x3 conv, 8', '3x3 conv, 8', 'global avg pool', '1x1 conv, 8']);
    const gate = f.body.match(/<g class="nf-gate"[^>]*>(.*?)<\/g><g class="nf-scale"/)![1]!;
    for (const r of gate.matchAll(/<rect x="([\d.]+)"/g)) expect(Number(r[1])).toBeGreaterThan(PAD + BOX_W + 6);
    inside(f);
  });
});
