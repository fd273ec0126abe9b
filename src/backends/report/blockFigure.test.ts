import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { allBlocks, describeModel } from './structure.js';
import { PLAIN_COL_W, STAGE_COL_W, blockFigure, layersFigure, runHeaderFigure, shortcutLabelLines } from './blockFigure.js';
import type { Figure } from './svg.js';

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
