import { expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, expectationsFor } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { reportHtml } from './html.js';
import { seNet } from '../../../test/helpers/seNet.js';

const def = ZOO.get('resnet18')!;
const m = describeModel(inferShapes(buildModel(def)));
const html = reportHtml(m, { expectations: expectationsFor(def, {}), description: def.description!, generator: 'netforge test' });

const r152 = reportHtml(describeModel(inferShapes(buildModel(ZOO.get('resnet152')!))));

test('one self-contained page: no external resources, at most a small inline script', () => {
  expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
  expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
  expect(html).not.toMatch(/<link|<img|<iframe|\ssrc=|href=|url\(|@import|@font-face/i);
  expect(html.match(/https?:\/\/[^"]+/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  expect(html).not.toContain('<script');
  const scripts = [...r152.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  expect(scripts).toHaveLength(1);
  expect(scripts[0]![1]!.length).toBeLessThan(500);
});

test('facts, stage table, diagram and chart', () => {
  expect(html).toContain('<section id="stages">');
  expect(html).toContain('<code>[3x3, 512; 3x3, 512] x 2</code>');
  expect(html).toContain('<section id="diagram">');
  expect((html.match(/class="nf-diagram block"/g) ?? []).length).toBe(8);
  expect(html).toContain('<section id="cost">');
  expect((html.match(/<span class="nf-ok">✓ verified<\/span>/g) ?? []).length).toBe(5);
  expect(html).toContain('<footer>netforge test</footer>');
  // nothing to expand in resnet18, so no expand buttons
  expect(html).not.toContain('data-expand="all"');
  expect(r152).toContain('data-expand="all"');
});

test('text from the model is escaped; output is deterministic', () => {
  const evil = reportHtml(m, { description: '<script>alert(1)</script>' });
  expect(evil).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(evil).not.toContain('<script>');
  expect(reportHtml(describeModel(inferShapes(buildModel(def))), { expectations: expectationsFor(def, {}), description: def.description!, generator: 'netforge test' })).toBe(html);
});

test('the legend explains the SE notation only when a block has a gating branch', () => {
  expect(html).not.toContain('gating branch');
  expect(reportHtml(seNet())).toContain('then a gating branch (squeeze-and-excitation) as <code>SE fc [reduced, channels]</code>');
});
