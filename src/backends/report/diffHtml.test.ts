import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { inspectModel } from '../../inspect.js';
import { diffModels } from '../../diff.js';
import { diffHtml } from './diffHtml.js';

const page = (a: string, b: string): string =>
  diffHtml(diffModels({ label: a, model: inspectModel(ZOO.get(a)!) }, { label: b, model: inspectModel(ZOO.get(b)!) }), { generator: 'netforge test' });

describe('diffHtml', () => {
  const html = page('cifar_resnet20', 'cifar_resnet32');
  test('self-contained: the report\'s CSP, no external reference', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
  test('both diagrams, the changed stages and added blocks marked on their side only', () => {
    expect(html.match(/class="nf-side nf-side-[ab]"/g)).toEqual(['class="nf-side nf-side-a"', 'class="nf-side nf-side-b"']);
    expect(html).toContain('.nf-side-b svg.block[data-path="layer1.4"]{outline:3px solid #1a7f37');
    expect(html).toContain('.nf-side-a g.nf-rail-box[data-section="layer1"] rect{stroke:#bf8700');
    expect(html).not.toContain('.nf-side-a svg.block[data-path="layer1.0"]');
    expect(html).toContain('data-first-change="layer1" data-first-side="b"');
  });
  test('the delta table and the weights', () => {
    expect(html).toContain('<tr class="nf-added" data-path="layer1.3">');
    expect(html).toContain('strict load fails; loads with --no-strict');
  });
  test('deterministic', () => {
    expect(page('cifar_resnet20', 'cifar_resnet32')).toBe(html);
  });
});
