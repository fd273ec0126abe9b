import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { inspectModel } from '../../inspect.js';
import { diffModels } from '../../diff.js';
import { diffHtml } from './diffHtml.js';
import { defineModel } from '../../dsl/model.js';
import { scope } from '../../dsl/builder.js';
import { makeLayer } from '../../dsl/resnet.js';
import { basicBlock } from '../../dsl/blocks.js';

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
  test('a module name cannot close the stylesheet it is marked in', () => {
    const net = (stage: string, blocks: number) =>
      defineModel({ name: 'n', input: [16, 8, 8], build: (x) => scope(stage, () => makeLayer(x, { block: basicBlock, planes: 16, blocks })).out });
    const html = diffHtml(diffModels({ label: 'a', model: inspectModel(net('s</style><b>', 1)) }, { label: 'b', model: inspectModel(net('s</style><b>', 2)) }));
    expect(html.split('</style>').length).toBe(2);
    expect(html).toContain('.nf-side-b svg.block[data-path="s\\3c \\2f style\\3e \\3c b\\3e .1"]');
  });
});
