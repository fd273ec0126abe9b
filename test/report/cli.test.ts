/** netforge summary and netforge report, run in-process as the CLI runs them. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { summaryCommand } from '../../src/cli/commands/summary.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { isNetforgeError } from '../../src/errors.js';
import { runCommand } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejects(p: Promise<unknown>): Promise<{ code: string; exitCode: number }> {
  try {
    await p;
  } catch (e) {
    if (isNetforgeError(e)) return { code: e.code, exitCode: e.exitCode };
    throw e;
  }
  throw new Error('expected an error');
}

describe('netforge summary', () => {
  test('--json with symbolic sizes: shapes as text, MACs at the reference and as a formula that evaluates to them, the minimum, several outputs', async () => {
    const r = await runCommand(summaryCommand, ['resnet18', '--input-size', '3,H,W', '--outputs', 'layer3,layer4=c5', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.input).toEqual(['N', 3, 'H', 'W']);
    expect(j.outputs).toEqual([{ name: 'layer3', shape: ['N', 256, 'ceil(H/16)', 'ceil(W/16)'] }, { name: 'c5', shape: ['N', 512, 'ceil(H/32)', 'ceil(W/32)'] }]);
    expect(j.sizes).toEqual({ H: { reference: 224, multipleOf: 1, min: 1 }, W: { reference: 224, multipleOf: 1, min: 1 } });
    expect(j.reference).toEqual({ N: 1, H: 224, W: 224 });
    // the formula in its documented grammar (integer floor/ceil divisions) gives the MACs at the reference
    const evaluate = (text: string, env: Record<string, number>): number =>
      Function('floor', 'ceil', ...Object.keys(env), `return ${text};`)((a: number) => Math.floor(a), (a: number) => Math.ceil(a), ...Object.values(env)) as number;
    expect(evaluate(j.macsFormula, { H: 224, W: 224 })).toBe(j.macs);
    expect(evaluate(j.macsFormula, { H: 97, W: 131 })).toBeLessThan(j.macs);
    expect(j.macs).toBe(1_814_073_344 - 512_000);
  });
  test('a hand-written model file names its blocks from what the builder recorded: 3 x Bottleneck, like the zoo\'s resnet50', async () => {
    const file = await runCommand(summaryCommand, ['examples/resnet50.ts', '--depth', '1']);
    const zoo = await runCommand(summaryCommand, ['resnet50', '--depth', '1']);
    expect(file.code).toBe(0);
    const stageRows = (out: string): string[] => out.split('\n').filter((l) => /^layer\d /.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 3).join(' | '));
    expect(stageRows(file.out)).toEqual(['layer1 | 3 x Bottleneck | [N, 256, 56, 56]', 'layer2 | 4 x Bottleneck | [N, 512, 28, 28]', 'layer3 | 6 x Bottleneck | [N, 1024, 14, 14]', 'layer4 | 3 x Bottleneck | [N, 2048, 7, 7]']);
    expect(stageRows(file.out)).toEqual(stageRows(zoo.out));
    const se = await runCommand(summaryCommand, ['examples/se-resnet50.ts', '--depth', '1']);
    expect(se.out).toMatch(/^layer3\s+6 x SEBottleneck\s/m);
  });
  test('--json keeps the contract keys and adds stages with their blocks', async () => {
    const r = await runCommand(summaryCommand, ['resnet50', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['model', 'input', 'params', 'trainableParams', 'frozenParams', 'macs', 'depth', 'mainPath', 'shortcutProjections', 'ops', 'output', 'layers', 'stages']) expect(j).toHaveProperty(k);
    expect(j.params).toBe(25_557_032);
    expect(j.macs).toBe(4_089_184_256);
    expect(j.depth).toBe(50);
    expect(j.mainPath).toEqual({ conv: 49, linear: 1 });
    expect(j.ops.Conv).toBe(53);
    expect(j.output).toEqual(['N', 1000]);
    expect(j.layers).toHaveLength(j.ops.Conv + j.ops.BatchNormalization + j.ops.Relu + j.ops.Add + 4);
    expect(j.layers.find((l: { name: string }) => l.name === 'layer1.0.conv2')).toEqual({ name: 'layer1.0.conv2', module: 'layer1.0.conv2', op: 'Conv', outputShape: ['N', 64, 56, 56], params: 36_864, macs: 115_605_504 });
    expect(j.stages.map((s: { name: string; blocks: unknown[] }) => [s.name, s.blocks.length])).toEqual([
      ['stem', 0],
      ['layer1', 3],
      ['layer2', 4],
      ['layer3', 6],
      ['layer4', 3],
      ['head', 0],
    ]);
    expect(j.verified.map((v: { what: string; ok: boolean }) => `${v.what}:${v.ok}`)).toEqual([
      'depth:true',
      'mainPath.conv:true',
      'mainPath.linear:true',
      'shortcutProjections:true',
      'params:true',
      'macs:true',
    ]);
  });
  test('model flags reach the table (dilation, classes)', async () => {
    const r = await runCommand(summaryCommand, ['resnet50', '--depth', '1', '--replace-stride-with-dilation', 'false,true,true', '--num-classes', '10']);
    expect(r.out).toMatch(/\nlayer4\s+3 x Bottleneck\s+\[N, 2048, 28, 28\]\s+3x3 s1 d4 g1 /);
    expect(r.out).toMatch(/\nOutput\s+logits \[N, 10\]\n/);
    expect(r.out).not.toMatch(/^Params.*verified/m); // params are only declared for 1000 classes
  });
  test('--depth must be 1, 2 or 3 (a usage error)', async () => {
    expect(await rejects(runCommand(summaryCommand, ['resnet18', '--depth', '4']))).toEqual({ code: 'E_USAGE', exitCode: 2 });
    expect(await rejects(runCommand(summaryCommand, ['resnet18', '--depth', 'x']))).toEqual({ code: 'E_USAGE', exitCode: 2 });
  });
});

describe('netforge report', () => {
  test('writes one self-contained HTML file, the same bytes every time', async () => {
    const a = join(dir, 'a.html');
    const b = join(dir, 'b.html');
    const r = await runCommand(reportCommand, ['resnet18', '-o', a]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote report for resnet18 -> .*a\.html/);
    await runCommand(reportCommand, ['resnet18', '-o', b]);
    const html = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(html);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<code>[3x3, 64; 3x3, 64] x 2</code>');
    expect(html).toContain('<footer>netforge ');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  test('--svg writes only the diagram; model flags apply', async () => {
    const out = join(dir, 'r50d.svg');
    expect((await runCommand(reportCommand, ['resnet50', '--svg', '-o', out, '--replace-stride-with-dilation', 'false,true,true'])).code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    expect(svg).not.toContain('<html');
    expect(svg).toContain('>3x3 conv, 256, d2<');
    expect(svg).toContain('>2048×28×28<');
  });
  test('--svg --expand draws every block of resnet152 (no collapsed runs to open in a static picture)', async () => {
    const collapsed = join(dir, 'r152.svg');
    const expanded = join(dir, 'r152-all.svg');
    expect((await runCommand(reportCommand, ['resnet152', '--svg', '-o', collapsed])).code).toBe(0);
    expect((await runCommand(reportCommand, ['resnet152', '--svg', '--expand', '-o', expanded])).code).toBe(0);
    const blocks = (f: string): number => (readFileSync(f, 'utf8').match(/class="block" data-path=/g) ?? []).length;
    expect(blocks(collapsed)).toBe(8);
    expect(blocks(expanded)).toBe(50);
    expect(readFileSync(expanded, 'utf8')).not.toContain('class="block-group"');
  });
  test('-o x.svg writes the SVG diagram without --svg; --svg with -o x.html is a usage error', async () => {
    const svgOut = join(dir, 'inferred.svg');
    expect((await runCommand(reportCommand, ['cifar_resnet20', '-o', svgOut])).code).toBe(0);
    expect(readFileSync(svgOut, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    const htmlOut = join(dir, 'contradiction.html');
    expect(await rejects(runCommand(reportCommand, ['cifar_resnet20', '--svg', '-o', htmlOut]))).toEqual({ code: 'E_USAGE', exitCode: 2 });
    expect(existsSync(htmlOut)).toBe(false);
  });
  test('usage and model errors leave no file behind', async () => {
    expect(await rejects(runCommand(reportCommand, ['resnet18']))).toEqual({ code: 'E_USAGE', exitCode: 2 });
    const out = join(dir, 'never.html');
    expect(await rejects(runCommand(reportCommand, ['resnet_9000', '-o', out]))).toEqual({ code: 'E_UNKNOWN_MODEL', exitCode: 1 });
    expect(await rejects(runCommand(reportCommand, ['resnet18', '-o', out, '--replace-stride-with-dilation', 'true']))).toEqual({ code: 'E_DILATION_LENGTH', exitCode: 1 });
    expect(existsSync(out)).toBe(false);
  });
});
