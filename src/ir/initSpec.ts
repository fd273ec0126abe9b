/**
 * What an InitSpec means: the seeded values of a param that no weights file gives. Each
 * param draws from its own stream seeded by (seed, name), so any visiting order, and any
 * number of threads (passes/parallelFill.ts), gives the same bytes.
 */
import type { InitSpec, Param } from './types.js';
import { numel } from './shapeMath.js';
import { fillNormal, fillUniform, rngFor } from './random.js';

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
