import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, expectationsFor } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { diagramHtml, diagramSvg } from './diagram.js';
import { GATED_COL_W, STAGE_COL_W } from './blockFigure.js';
import { seNet } from '../../../test/helpers/seNet.js';

const model = (name: string) => {
  const def = ZOO.get(name)!;
  return { m: describeModel(inferShapes(buildModel(def))), e: expectationsFor(def, {}) };
};
const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('standalone SVG', () => {
  const { m, e } = model('resnet18');
  const svg = diagramSvg(m, { expectations: e });
  test('a standalone document with the header and the verified counts', () => {
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('main-path depth 18 = 17 conv + 1 linear</tspan><tspan class="nf-ok"> ✓ verified (depth, conv, linear)</tspan>');
    expect(svg).toContain('3 shortcut projections</tspan><tspan class="nf-ok"> ✓ verified</tspan>');
  });
  test('stem -> stages -> head, output shapes on the edges', () => {
    expect([...svg.matchAll(/class="nf-rail-box" data-section="([^"]+)"/g)].map((x) => x[1])).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect([...svg.matchAll(/class="nf-edge" text-anchor="middle">([^<]+)</g)].map((x) => x[1])).toEqual(['64×56×56', '64×56×56', '128×28×28', '256×14×14', '512×7×7']);
  });
  test('one drawing per block; shortcuts by kind', () => {
    expect(count(svg, /class="block" data-path=/g)).toBe(8);
    expect(count(svg, /class="block-group"/g)).toBe(0);
    expect(count(svg, /data-shortcut="projection"/g)).toBe(3);
    expect(count(svg, /data-shortcut="identity"/g)).toBe(5);
  });
  test('nothing external, deterministic', () => {
    expect(svg).not.toMatch(/href|url\(|@import/);
    expect(svg.match(/https?:\/\/[^"]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(diagramSvg(model('resnet18').m, { expectations: e })).toBe(svg);
  });
  test('a mismatch is drawn in the header', () => {
    expect(diagramSvg(m, { expectations: { depth: 50 } })).toContain('<tspan class="nf-bad"> ✗ depth expected 50</tspan>');
  });
});

describe('collapsing', () => {
  const { m } = model('resnet152');
  test('resnet152: long runs collapse; every block is accounted for', () => {
    const svg = diagramSvg(m);
    const groups = [...svg.matchAll(/class="block-group" data-first="([^"]+)" data-last="([^"]+)" data-count="(\d+)"/g)].map((x) => [x[1], x[2], Number(x[3])]);
    expect(groups).toEqual([
      ['layer2.1', 'layer2.7', 7],
      ['layer3.1', 'layer3.35', 35],
    ]);
    expect(count(svg, /class="block" data-path=/g) + 42).toBe(50);
    expect(count(diagramSvg(m, { collapseAt: Infinity }), /class="block" data-path=/g)).toBe(50);
  });
  test('HTML: every block is an svg.block; collapsed ones sit in a closed <details>', () => {
    const html = diagramHtml(m);
    expect(count(html, /<svg [^>]*class="nf-diagram block"/g)).toBe(50);
    expect(count(html, /<details class="block-group"/g)).toBe(2);
    expect(html).not.toMatch(/<details[^>]* open/);
    expect(count(html, /class="nf-col" data-section=/g)).toBe(6);
  });
});

describe('gating branches', () => {
  const se = seNet([2, 4]);
  /** Widths of the stages' rail boxes (each its column less 2 x 18 of inset). */
  const widths = (svg: string): number[] => [...svg.matchAll(/class="nf-rail-box" data-section="layer\d"><rect x="[\d.]+" y="0" width="([\d.]+)"/g)].map((x) => Number(x[1]));
  test('SE: every drawn block or run has its gate lane and ⊗; stages are widened for it', () => {
    const svg = diagramSvg(se);
    // layer1: 2 blocks; layer2: layer2.0 + a run of 3
    expect(count(svg, /class="block" data-path=/g) + count(svg, /class="block-group"/g)).toBe(4);
    expect(count(svg, /<g class="nf-gate" data-gate=/g)).toBe(4);
    expect(count(svg, /class="nf-add nf-mul"/g)).toBe(4);
    expect(svg).not.toContain('>Mul<');
    expect(widths(svg)).toEqual([GATED_COL_W - 36, GATED_COL_W - 36]);
    const html = diagramHtml(se, { collapseAt: Infinity });
    expect(count(html, /<g class="nf-gate" data-gate=/g)).toBe(6);
    expect(html).toContain(`data-section="layer2" style="width:${GATED_COL_W}px"`);
  });
  test('resnet50: no gate anywhere, columns as before', () => {
    const { m } = model('resnet50');
    const svg = diagramSvg(m);
    expect(svg).not.toMatch(/nf-gate|nf-mul/);
    expect(widths(svg)).toEqual([STAGE_COL_W - 36, STAGE_COL_W - 36, STAGE_COL_W - 36, STAGE_COL_W - 36]);
  });
});
