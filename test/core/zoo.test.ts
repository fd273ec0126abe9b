/** Every zoo model against the published figures (REFERENCE.md: torchvision weights metadata, He et al. 2015). */
import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { buildModel, expectationsFor } from '../../src/dsl/model.js';
import { analyze } from '../../src/passes/analyze.js';
import { checkExpectations } from '../../src/passes/verifyStructure.js';

// [params, GMACs at 224 as torchvision publishes them (3 decimals), main-path depth]
const REFERENCE: Record<string, [number, number | null, number]> = {
  resnet18: [11_689_512, 1.814, 18],
  resnet34: [21_797_672, 3.664, 34],
  resnet50: [25_557_032, 4.089, 50],
  resnet101: [44_549_160, 7.801, 101],
  resnet152: [60_192_808, 11.514, 152],
  resnext50_32x4d: [25_028_904, 4.23, 50],
  resnext101_32x8d: [88_791_336, 16.414, 101],
  resnext101_64x4d: [83_455_272, 15.46, 101],
  wide_resnet50_2: [68_883_240, 11.398, 50],
  wide_resnet101_2: [126_886_696, 22.753, 101],
  cifar_resnet20: [269_722, null, 20],
  cifar_resnet32: [464_154, null, 32],
  cifar_resnet44: [658_586, null, 44],
  cifar_resnet56: [853_018, null, 56],
  cifar_resnet110: [1_727_962, null, 110],
};

// REFERENCE.md's segmentation table (torchvision 0.14, 21 classes): [params, with aux_loss], and
// torchvision's published GFLOPS of the COCO_WITH_VOC_LABELS_V1 weights (auxiliary head included, 520x520)
const SEGMENTATION: Record<string, [number, number, number, number]> = {
  deeplabv3_resnet50: [39_638_869, 42_004_074, 178.722, 53],
  deeplabv3_resnet101: [58_630_997, 60_996_202, 258.743, 104],
  fcn_resnet50: [32_957_013, 35_322_218, 152.717, 51],
  fcn_resnet101: [51_949_141, 54_314_346, 232.738, 102],
};

describe('zoo', () => {
  test('holds exactly the reference models', () => {
    expect([...ZOO.keys()].sort()).toEqual([...Object.keys(REFERENCE), ...Object.keys(SEGMENTATION)].sort());
  });
  for (const [name, [params, withAux, gflops, depth]] of Object.entries(SEGMENTATION)) {
    test(`${name}: params with and without the auxiliary head, GMACs at 520x520, depth, outputs, expectations`, () => {
      const def = ZOO.get(name)!;
      const plain = analyze(buildModel(def));
      const aux = analyze(buildModel(def, { auxLoss: true }));
      expect([plain.params, aux.params]).toEqual([params, withAux]);
      expect(Number((aux.macs / 1e9).toFixed(3))).toBe(gflops);
      expect([plain.depth, plain.mainPath.linear, plain.shortcutProjections]).toEqual([depth, 0, 4]);
      expect(aux.outputs.map((o) => [o.name, o.shape])).toEqual([['out', ['N', 21, 'H', 'W']], ['aux', ['N', 21, 'H', 'W']]]);
      expect(plain.sizes).toEqual({ H: { reference: 520, multipleOf: 1, min: 1 }, W: { reference: 520, multipleOf: 1, min: 1 } });
      expect(checkExpectations(plain, expectationsFor(def, {}))).toEqual([]);
      expect(checkExpectations(aux, expectationsFor(def, { auxLoss: true }))).toEqual([]);
      expect(expectationsFor(def, {})).toMatchObject({ params, macs: plain.macs });
    });
  }
  for (const [name, [params, gmacs, depth]] of Object.entries(REFERENCE)) {
    test(`${name}: params, MACs, depth, expectations`, () => {
      const def = ZOO.get(name)!;
      const s = analyze(buildModel(def));
      expect(s.params).toBe(params);
      if (gmacs !== null) expect(Number((s.macs / 1e9).toFixed(3))).toBe(gmacs);
      expect(s.depth).toBe(depth);
      expect(s.mainPath.linear).toBe(1);
      expect(s.mainPath.conv).toBe(depth - 1);
      expect(checkExpectations(s, expectationsFor(def, {}))).toEqual([]);
    });
  }
  test('resnet50 MACs are exactly 4,089,184,256 and it has 4 shortcut projections', () => {
    const s = analyze(buildModel(ZOO.get('resnet50')!));
    expect(s.macs).toBe(4_089_184_256);
    expect(s.shortcutProjections).toBe(4);
    expect(s.ops['Conv']).toBe(53);
  });
  test('basic-block ResNets have 3 projections; CIFAR (option A) none and no shortcut params', () => {
    expect(analyze(buildModel(ZOO.get('resnet18')!)).shortcutProjections).toBe(3);
    const c = analyze(buildModel(ZOO.get('cifar_resnet56')!));
    expect(c.shortcutProjections).toBe(0);
    expect(c.ops['Pad']).toBe(2);
    expect(c.ops['Slice']).toBe(2);
  });
  test('BatchNorm channels of resnet50 total 26,560 over 53 layers (what folding turns into conv biases)', () => {
    const g = buildModel(ZOO.get('resnet50')!);
    const bns = g.nodes.filter((n) => n.op === 'BatchNormalization');
    expect(bns.length).toBe(53);
    expect(bns.reduce((s, n) => s + (g.params.get(n.params[0]!)!.shape[0] ?? 0), 0)).toBe(26_560);
  });
  test('numClasses changes the head only', () => {
    const s = analyze(buildModel(ZOO.get('resnet34')!, { numClasses: 10 }));
    expect(s.params).toBe(21_797_672 - 513 * 990);
    expect(s.output).toEqual(['N', 10]);
  });
});
