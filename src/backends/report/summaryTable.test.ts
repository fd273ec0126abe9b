import { describe, expect, test } from 'vitest';
import { ZOO } from '../../zoo/index.js';
import { buildModel, expectationsFor } from '../../dsl/model.js';
import { inferShapes } from '../../passes/inferShapes.js';
import { describeModel } from './structure.js';
import { summaryTable, totalsLines } from './summaryTable.js';
import { stripAnsi } from './ansi.js';

const def = ZOO.get('resnet18')!;
const m = describeModel(inferShapes(buildModel(def)));
const e = expectationsFor(def, {});
const col0 = (text: string): string[] =>
  text
    .split('\n')
    .slice(3)
    .filter((l) => l !== '' && !l.startsWith('-'))
    .map((l) => /^\s*\S+/.exec(l)![0])
    .slice(0, 40);

describe('summaryTable', () => {
  test('depth 1: stem, stages, head', () => {
    const t = summaryTable(m, { depth: 1, expectations: e });
    const rows = t.split('\n').slice(3, 9);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect(rows[2]).toMatch(/^layer2\s+2 x BasicBlock\s+\[N, 128, 28, 28\]\s+3x3 s2 d1 g1\s+525,568\s+411\.04 M$/);
    expect(rows[0]).toMatch(/7x7 s4 d1 g1/);
  });
  test('depth 2 adds blocks and the stem/head layers, indented', () => {
    const t = summaryTable(m, { depth: 2 });
    expect(col0(t).slice(0, 8)).toEqual(['stem', '  conv1', '  bn1', '  relu', '  maxpool', 'layer1', '  layer1.0', '  layer1.1']);
    expect(t).not.toMatch(/layer1\.0\.conv1/);
  });
  test('depth 3 adds every layer, shortcut included', () => {
    const t = summaryTable(m, { depth: 3 });
    expect(t).toMatch(/\n {4}layer2\.0\.downsample\.0\s+Conv\s+\[N, 128, 28, 28\]\s+1x1 s2 d1 g1\s+8,192\s+6\.42 M\n/);
    const layerRows = t.split('\n').filter((l) => /^ {4}\S/.test(l));
    expect(layerRows).toHaveLength(m.stats.layers.length - 7); // stem (4) and head (3) layers sit at level 2
  });
  test('colors only when asked, and never in the visible text', () => {
    const plain = summaryTable(m, { depth: 2, expectations: e });
    const colored = summaryTable(m, { depth: 2, expectations: e, color: true });
    expect(plain).not.toMatch(/\u001b\[/);
    expect(colored).toMatch(/\u001b\[32m✓ verified\u001b\[39m/);
    expect(stripAnsi(colored)).toBe(plain);
  });
  test('a narrow terminal shortens the module path from the left', () => {
    const t = summaryTable(m, { depth: 3, width: 80 });
    for (const l of t.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
    expect(t).toMatch(/…/);
  });
});

describe('totals', () => {
  test('verified marks sit next to each declared expectation only', () => {
    const lines = totalsLines(m, { expectations: e });
    const marked = lines.filter((l) => l.includes('✓ verified')).map((l) => l.trim().split(/\s{2,}/)[0]);
    expect(marked).toEqual(['Params', 'Main-path depth', 'conv', 'linear', 'Shortcut projections']);
    expect(lines.find((l) => l.startsWith('MACs'))).not.toMatch(/verified/);
    expect(lines.find((l) => l.startsWith('Model size'))).toBe('Model size            46.8 MB float32, 23.4 MB float16 (parameters)');
    expect(totalsLines(m).join('\n')).not.toMatch(/verified/);
  });
  test('a mismatch is shown, not hidden', () => {
    const lines = totalsLines(m, { expectations: { depth: 50 } });
    expect(lines.find((l) => l.startsWith('Main-path depth'))).toMatch(/✗ expected 50$/);
  });
  test('long op lists wrap', () => {
    const lines = totalsLines(m, { width: 60 });
    const start = lines.findIndex((l) => l.startsWith('Ops'));
    const ops = lines.slice(start);
    expect(ops.length).toBeGreaterThan(1);
    for (const l of ops) expect([...l].length).toBeLessThanOrEqual(60);
    expect(ops.join(' ').replace(/\s+/g, ' ')).toBe('Ops Conv 20, BatchNormalization 20, Relu 17, MaxPool 1, Add 8, GlobalAveragePool 1, Flatten 1, Gemm 1');
  });
});

describe('summaryTable of a segmentation model', () => {
  const seg = describeModel(inferShapes(buildModel(ZOO.get('fcn_resnet50')!, { auxLoss: true })));
  test('the heads are rows of their own, the auxiliary one says where it reads from; Dropout is said to be the identity at inference', () => {
    const t = summaryTable(seg, { depth: 1, width: 120 });
    expect(t).toMatch(/^classifier\s+FCNHead\s+\[N, 21, H, W\]\s+3x3 s1 d1 g1\s+9,448,981\s+39\.92 G$/m);
    expect(t).toMatch(/^aux_classifier\s+FCNHead ← layer3\s+\[N, 21, H, W\]\s+3x3 s1 d1 g1\s+2,365,205\s+9\.99 G$/m);
    expect(t).toMatch(/^Dropout {15}classifier\.3 \(p 0\.1\), aux_classifier\.3 \(p 0\.1\): the identity at inference, not in the compiled\n {22}graph$/m);
  });
  const rowsOf = (t: string): string[] => t.slice(0, t.indexOf('\nModel ')).split('\n').filter((l) => /^ *(classifier|aux|out|aux_classifier)\b/.test(l)).map((l) => /^\s*\S+/.exec(l)![0]);
  test('depth 2 lists a head\'s layers, the resize of its logits last', () => {
    expect(rowsOf(summaryTable(seg, { depth: 2, width: 120 }))).toEqual([
      'classifier',
      '  classifier.0',
      '  classifier.1',
      '  classifier.2',
      '  classifier.3',
      '  classifier.4',
      '  out',
      'aux_classifier',
      '  aux_classifier.0',
      '  aux_classifier.1',
      '  aux_classifier.2',
      '  aux_classifier.3',
      '  aux_classifier.4',
      '  aux',
    ]);
  });
  test('a head\'s recorded block (ASPP) is a row at depth 2, its layers at depth 3', () => {
    const dl = describeModel(inferShapes(buildModel(ZOO.get('deeplabv3_resnet50')!)));
    const rows = rowsOf(summaryTable(dl, { depth: 3, width: 140 }));
    const i = rows.indexOf('  classifier.0');
    expect(rows.slice(i, i + 4)).toEqual(['  classifier.0', '    classifier.0.convs.0.0', '    classifier.0.convs.0.1', '    classifier.0.convs.0.2']);
    expect(rows).toContain('  classifier.1');
  });
});
