/**
 * init-params: give every param without data its seeded initial values
 * (kaiming normal fan_out for convs, constants for BatchNorm, U(+-1/sqrt(fan_in)) for
 * Linear). Each param draws from its own stream seeded by (seed, name), so the result
 * does not depend on visiting order, and can be filled by several threads at once
 * (./parallelFill.ts) with byte-identical results.
 */
import type { Graph, InitSpec, Param } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { fillNormal, fillUniform, rngFor } from '../ir/random.js';
import type { Pass } from './pass.js';
import { parallelFill } from './parallelFill.js';

/** Fill `data` per the init spec, drawing from the param's own stream. */
export function fillInit(data: Float32Array, init: InitSpec, name: string, seed: number): void {
  switch (init.kind) {
    case 'const':
      if (init.value !== 0) data.fill(init.value);
      break;
    case 'kaimingNormalFanOut':
      fillNormal(data, Math.sqrt(2 / init.fanOut), rngFor(seed, name));
      break;
    case 'uniform':
      fillUniform(data, init.bound, rngFor(seed, name));
      break;
    default: {
      const never: never = init;
      throw new Error(`internal: unknown init ${JSON.stringify(never)}`);
    }
  }
}

export function initParam(p: Param, seed: number): Float32Array {
  const data = new Float32Array(numel(p.shape));
  fillInit(data, p.init, p.name, seed);
  return data;
}

/** Below this many random elements, starting a worker thread costs more than it saves. */
const PARALLEL_THRESHOLD = 4_000_000;

export function initParams(g: Graph, seed: number, opts: { readonly threads?: number } = {}): Graph {
  const todo = [...g.params.values()].filter((p) => p.data === undefined);
  if (todo.length === 0) return g;
  const randomElems = todo.reduce((s, p) => s + (p.init.kind === 'const' ? 0 : numel(p.shape)), 0);
  const filled = randomElems >= PARALLEL_THRESHOLD ? parallelFill(todo, seed, opts.threads) : null;
  const params = new Map<string, Param>();
  for (const [k, p] of g.params) {
    if (p.data !== undefined) params.set(k, p);
    else params.set(k, { ...p, data: filled?.get(k) ?? initParam(p, seed) });
  }
  return { ...g, params };
}

export function initParamsPass(seed: number): Pass {
  return { name: 'init-params', run: (g) => initParams(g, seed) };
}
