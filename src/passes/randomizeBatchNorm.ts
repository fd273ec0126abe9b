/**
 * randomize-batchnorm: give every BatchNorm random running statistics and affine params,
 * seeded, so that tests of BatchNorm folding are not trivially exact (freshly initialized
 * BatchNorm is the identity: gamma 1, beta 0, mean 0, var 1).
 *
 * Rules:
 * 1. For each BatchNormalization node: weight (gamma) ~ U(0.5, 1.5), bias (beta) ~ N(0, 0.1^2),
 *    running_mean ~ N(0, 0.1^2), running_var ~ U(0.5, 2).
 * 2. Each param draws from its own stream seeded by (seed, name), so values do not depend
 *    on visiting order; new arrays replace the old (the input graph is not mutated).
 * 3. graph.meta `netforge.randomized_batchnorm` records the seed (the statistics are
 *    synthetic); a graph already randomized with this seed is returned unchanged.
 * 4. Float16 params are left alone.
 */
import type { Graph, Param, ParamRole } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { fillNormal, fillUniform, rngFor } from '../ir/random.js';
import type { Pass, PassContext } from './pass.js';

export const RANDOMIZED_BATCHNORM_META = 'netforge.randomized_batchnorm';

/** [center, half-width] of a uniform, or the std of a zero-mean normal, per role. */
const DRAW: Readonly<Record<ParamRole, { readonly uniform: readonly [number, number] } | { readonly normalStd: number }>> = {
  weight: { uniform: [1, 0.5] },
  bias: { normalStd: 0.1 },
  running_mean: { normalStd: 0.1 },
  running_var: { uniform: [1.25, 0.75] },
};

export function randomBatchNormParam(p: Param, seed: number): Float32Array {
  const data = new Float32Array(numel(p.shape));
  const rng = rngFor(seed, `randomize-batchnorm:${p.name}`);
  const d = DRAW[p.role];
  if ('normalStd' in d) fillNormal(data, d.normalStd, rng);
  else {
    const [center, half] = d.uniform;
    fillUniform(data, half, rng);
    for (let i = 0; i < data.length; i++) data[i] = data[i]! + center;
  }
  return data;
}

export function randomizeBatchNorm(g: Graph, seed: number, ctx?: PassContext): Graph {
  if (g.meta.get(RANDOMIZED_BATCHNORM_META) === String(seed)) return g;
  const params = new Map(g.params);
  let count = 0;
  for (const n of g.nodes) {
    if (n.op !== 'BatchNormalization') continue;
    if (n.params.some((name) => params.get(name)!.dtype !== 'float32')) {
      ctx?.note(`kept ${n.module}: float16 params`);
      continue;
    }
    for (const name of n.params) {
      const p = params.get(name)!;
      params.set(name, { ...p, data: randomBatchNormParam(p, seed) });
    }
    count++;
  }
  if (count === 0) return g;
  ctx?.note(`randomized the statistics and affine params of ${count} BatchNorm layers (seed ${seed})`);
  const meta = new Map(g.meta);
  meta.set(RANDOMIZED_BATCHNORM_META, String(seed));
  return { ...g, params, meta };
}

export function randomizeBatchNormPass(seed: number): Pass {
  return { name: 'randomize-batchnorm', run: (g, ctx) => randomizeBatchNorm(g, seed, ctx) };
}
