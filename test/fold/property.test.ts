/**
 * Property test: random ResNet-like configurations (block kind, 2-4 stages of 1-2 blocks,
 * groups and widthPerGroup, dilation, shortcut A/B/C, stem), with Identity nodes and a
 * dead branch sprinkled in. For each: the verifier holds after every pass, every pass is
 * idempotent (a second run returns the same object), and the folded graph agrees with the
 * unfolded one in onnxruntime. Seeded; NETFORGE_PROPERTY_SEED overrides the seed, and a
 * failure reports the seed and the shrunk counterexample.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { Graph } from '../../src/ir/types.js';
import { verifyGraph, formatIssues } from '../../src/ir/verify.js';
import { buildGraph } from '../../src/dsl/builder.js';
import { basicBlock, bottleneck } from '../../src/dsl/blocks.js';
import { resnet } from '../../src/dsl/resnet.js';
import type { BlockDef } from '../../src/dsl/block.js';
import type { Pass } from '../../src/passes/pass.js';
import { inferShapesPass } from '../../src/passes/inferShapes.js';
import { initParamsPass } from '../../src/passes/initParams.js';
import { randomizeBatchNormPass } from '../../src/passes/randomizeBatchNorm.js';
import { foldBatchNormPass } from '../../src/passes/foldBatchNorm.js';
import { eliminateIdentityPass } from '../../src/passes/eliminateIdentity.js';
import { eliminateDeadPass } from '../../src/passes/eliminateDead.js';
import { compareGraphs } from '../../src/backends/ort/compare.js';
import { addDeadConv, insertIdentity, opCount } from './helpers.js';

const SEED = Number(process.env['NETFORGE_PROPERTY_SEED'] ?? 20_240_611);
const RUNS = Number(process.env['NETFORGE_PROPERTY_RUNS'] ?? 60);

const configArb = fc
  .record({
    bottleneck: fc.boolean(),
    stages: fc.integer({ min: 2, max: 4 }),
    layers: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 4, maxLength: 4 }),
    planes: fc.array(fc.constantFrom(0, 1), { minLength: 4, maxLength: 4 }),
    groups: fc.constantFrom(1, 2, 4),
    widthPerGroup: fc.constantFrom(16, 32, 64),
    dilate: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    shortcut: fc.constantFrom('A' as const, 'B' as const, 'C' as const),
    imagenetStem: fc.boolean(),
    identities: fc.array(fc.nat(), { maxLength: 3 }),
    dead: fc.option(fc.nat(), { nil: undefined }),
  })
  .map((c) => {
    const widths = c.planes
      .slice(0, c.stages)
      .map((p) => (c.bottleneck ? [8, 16][p]! : [16, 32][p]!))
      .sort((a, b) => a - b);
    return {
      block: c.bottleneck ? 'bottleneck' : 'basic',
      layers: c.layers.slice(0, c.stages),
      widths,
      ...(c.bottleneck ? { groups: c.groups, widthPerGroup: c.widthPerGroup } : {}),
      replaceStrideWithDilation: c.dilate.slice(0, c.stages - 1),
      shortcut: c.shortcut,
      // option A pads channels up to the stage width: the 64-channel ImageNet stem is too wide for it
      stem: c.imagenetStem && c.shortcut !== 'A' ? ('imagenet' as const) : ('cifar' as const),
      identities: c.identities,
      dead: c.dead,
    };
  });
type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Config): Graph {
  let g = buildGraph({ name: 'random_resnet', input: [3, 32, 32] }, (x) =>
    resnet(x, {
      block: (c.block === 'bottleneck' ? bottleneck : basicBlock) as BlockDef<object>,
      layers: c.layers,
      widths: c.widths,
      numClasses: 7,
      replaceStrideWithDilation: c.replaceStrideWithDilation,
      shortcut: c.shortcut,
      stem: c.stem,
      ...(c.groups !== undefined ? { groups: c.groups, widthPerGroup: c.widthPerGroup } : {}),
    }),
  );
  c.identities.forEach((k, i) => {
    g = insertIdentity(g, g.nodes[k % g.nodes.length]!.outputs[0]!, `identity_${i}`);
  });
  if (c.dead !== undefined) {
    const images = g.nodes.filter((n) => g.values.get(n.outputs[0]!)!.shape.length === 4);
    g = addDeadConv(g, images[c.dead % images.length]!.outputs[0]!);
  }
  return g;
}

function verified(g: Graph, after: string): void {
  const issues = verifyGraph(g);
  expect(issues, `after ${after}:\n${formatIssues(issues)}`).toEqual([]);
}

describe('random ResNet-like graphs', () => {
  test(`verifier holds, passes are idempotent, folded == unfolded in onnxruntime (seed ${SEED}, ${RUNS} runs)`, async () => {
    const pipeline: Pass[] = [inferShapesPass, initParamsPass(1), randomizeBatchNormPass(2), foldBatchNormPass, eliminateIdentityPass, eliminateDeadPass];
    await fc.assert(
      fc.asyncProperty(configArb, async (c) => {
        let g = build(c);
        verified(g, 'building');
        let unfolded: Graph | undefined;
        const ctx = { note: (): void => {} };
        for (const p of pipeline) {
          const out = p.run(g, ctx);
          verified(out, p.name);
          expect(p.run(out, ctx), `${p.name} is not idempotent`).toBe(out);
          if (p.name === 'fold-batchnorm') unfolded = g;
          g = out;
        }
        expect(opCount(g, 'Identity')).toBe(0);
        expect(g.params.has('dead_conv.weight')).toBe(false);
        // A BN survives only where an inserted Identity separates it from its conv, or where
        // the dead conv was a second reader of its conv's output (fold runs before cleanup).
        expect(opCount(g, 'BatchNormalization')).toBeLessThanOrEqual(c.identities.length + (c.dead !== undefined ? 1 : 0));
        const r = await compareGraphs(unfolded!, g, { seed: 3 });
        expect(r.refMaxAbs).toBeGreaterThan(0);
        expect(r.maxRel, `max |a-b| ${r.maxAbs}, max |a| ${r.refMaxAbs}`).toBeLessThanOrEqual(1e-5);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
