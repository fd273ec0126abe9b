/**
 * compile --check on a segmentation model: BatchNorm folded inside the heads (ASPP's five
 * branches, its projection, the 3x3 conv, the auxiliary FCNHead) proven in onnxruntime at two
 * sizes from one file, out and aux compared; float16 likewise at its tolerance. A reference of
 * 96x96 (the check also runs 43x57) keeps it quick: the sizes do not change what is folded.
 */
import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { checkFolding, FLOAT16_TOLERANCE } from '../../src/checkFolding.js';
import { FOLDED_BATCHNORM_META } from '../../src/passes/foldBatchNorm.js';
import { runCli } from '../helpers/cli.js';

const def = ZOO.get('deeplabv3_resnet50')!;
const SMALL = { reference: [3, 96, 96], auxLoss: true } as const;

describe('--check on deeplabv3_resnet50 with its auxiliary head', () => {
  test('every BatchNorm folds, the heads\' included; out and aux agree at 96x96 and 43x57', async () => {
    const r = await checkFolding(def, { ...SMALL, seed: 2 });
    expect(r.randomized).toBe(true);
    expect(r.runs.map((x) => x.sizes)).toEqual([{ H: 96, W: 96 }, { H: 43, W: 57 }]);
    for (const run of r.runs) {
      expect(run.result.outputs.map((o) => [o.name, o.dims])).toEqual([['out', [2, 21, run.sizes['H'], run.sizes['W']]], ['aux', [2, 21, run.sizes['H'], run.sizes['W']]]]);
      for (const o of run.result.outputs) {
        expect(o.maxRel).toBeGreaterThan(0);
        expect(o.maxRel).toBeLessThan(1e-5);
      }
    }
    const folded = JSON.parse(r.candidate.graph.meta.get(FOLDED_BATCHNORM_META)!) as { bn: string; conv: string }[];
    const heads = folded.filter((f) => !f.bn.startsWith('backbone.')).map((f) => `${f.bn} -> ${f.conv}`);
    expect(heads).toEqual([
      'classifier.0.convs.0.1 -> classifier.0.convs.0.0',
      'classifier.0.convs.1.1 -> classifier.0.convs.1.0',
      'classifier.0.convs.2.1 -> classifier.0.convs.2.0',
      'classifier.0.convs.3.1 -> classifier.0.convs.3.0',
      'classifier.0.convs.4.2 -> classifier.0.convs.4.1',
      'classifier.0.project.1 -> classifier.0.project.0',
      'classifier.2 -> classifier.1',
      'aux_classifier.1 -> aux_classifier.0',
    ]);
    expect(r.candidate.stats.ops['BatchNormalization']).toBeUndefined();
    expect(r.candidate.stats.ops['Dropout']).toBeUndefined();
  });
  test('float16: the same two sizes, at float16\'s tolerance', async () => {
    const r = await checkFolding(def, { ...SMALL, seed: 2, dtype: 'float16' });
    expect(r.result.tolerance).toBe(FLOAT16_TOLERANCE);
    expect(r.runs.every((x) => x.result.passed)).toBe(true);
    expect(r.candidate.stats.ops['Cast']).toBe(3); // the input's, and one per output
  });
  test('the command line prints each output\'s figure at both sizes', async () => {
    const r = await runCli(['compile', 'fcn_resnet50', '--aux-loss', '--check', '--reference-size', '3,64,64']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^check fcn_resnet50: folded vs unfolded, BatchNorm statistics randomized$/m);
    expect(r.stdout.match(/^ {2}(out|aux) {6}\[2, 21, \d+, \d+\] max rel \d\.\d\de-\d+$/gm)).toHaveLength(4);
    expect(r.stdout).toContain('[2, 3, 29, 39]');
  });
});
