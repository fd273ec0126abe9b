/**
 * init-params: give every param without data its seeded initial values
 * (kaiming normal fan_out for convs, constants for BatchNorm, U(+-1/sqrt(fan_in)) for
 * Linear). Each param draws from its own stream seeded by (seed, name), so the result
 * does not depend on visiting order.
 */
import type { Graph, Param } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { fillNormal, fillUniform, rngFor } from '../ir/random.js';
import type { Pass } from './pass.js';

export function initParam(p: Param, seed: number): Float32Array {
  const data = new Float32Array(numel(p.shape));
  const init = p.init;
  switch (init.kind) {
    case 'const':
      if (init.value !== 0) data.fill(init.value);
      break;
    case 'kaimingNormalFanOut':
      fillNormal(data, Math.sqrt(2 / init.fanOut), rngFor(seed, p.name));
      break;
    case 'uniform':
      fillUniform(data, init.bound, rngFor(seed, p.name));
      break;
    default: {
      const never: never = init;
      throw new Error(`internal: unknown init ${JSON.stringify(never)}`);
    }
  }
  return data;
}

export function initParams(g: Graph, seed: number): Graph {
  let changed = false;
  const params = new Map<string, Param>();
  for (const [k, p] of g.params) {
    if (p.data === undefined) {
      params.set(k, { ...p, data: initParam(p, seed) });
      changed = true;
    } else params.set(k, p);
  }
  return changed ? { ...g, params } : g;
}

export function initParamsPass(seed: number): Pass {
  return { name: 'init-params', run: (g) => initParams(g, seed) };
}
