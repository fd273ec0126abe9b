import { expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { costChartSvg } from './costChart.js';

test('one bar per section in each panel, scaled to the largest, with value and share', () => {
  const m = describeModel(inferShapes(buildModel(ZOO.get('resnet50')!)));
  const svg = costChartSvg(m);
  const bars = (kind: string) =>
    [...svg.matchAll(new RegExp(`<g class="nf-bar nf-bar-row-${kind}" data-section="([^"]+)" data-value="(\\d+)">.*?<rect [^>]*class="nf-bar-${kind}"`, 'g'))].map((x) => [x[1], Number(x[2])]);
  expect(bars('params')).toEqual(m.sections.map((s) => [s.name, s.params]));
  expect(bars('macs')).toEqual(m.sections.map((s) => [s.name, s.macs]));
  const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="13" class="nf-bar-params"/g)].map((x) => Number(x[1]));
  expect(Math.max(...widths)).toBe(250); // layer4 holds most of ResNet-50's params
  expect(widths[4]).toBe(250);
  expect(svg).toContain('Params (total 25.56 M)');
  expect(svg).toMatch(/14\.96 M · 58\.6%/);
});
