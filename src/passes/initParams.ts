/**
 * init-params: give every param without data its seeded initial values
 * (kaiming normal fan_out for convs, constants for BatchNorm, U(+-1/sqrt(fan_in)) for
 * Linear). Each param draws from its own stream seeded by (seed, name), so the result
 * does not depend on visiting order, and can be filled by several threads at once
 * (./parallelFill.ts) with byte-identical results.
 */
import type { Graph, Param } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { groupDigits } from '../ir/format.js';
import { initParam } from '../ir/initSpec.js';
import type { Pass, PassContext } from './pass.js';
import { parallelFill } from './parallelFill.js';
import { NetforgeError } from '../errors.js';

/** Below this many random elements, starting a worker thread costs more than it saves. */
const PARALLEL_THRESHOLD = 4_000_000;

export interface InitParamsOptions {
  /** Worker threads for the random fill (default: the machine's cores, capped). */
  readonly threads?: number;
  /**
   * Refuse to allocate more than this many bytes (E_TOO_LARGE, before anything is allocated).
   * compile() passes the machine's memory: a model whose weights cannot fit (a typo of
   * 60,000 channels) fails with the figures instead of an allocation crash.
   */
  readonly maxBytes?: number;
}

const gb = (n: number): string => `${(n / 1e9).toFixed(1)} GB`;

export function initParams(g: Graph, seed: number, opts: InitParamsOptions = {}, ctx?: PassContext): Graph {
  const todo = [...g.params.values()].filter((p) => p.data === undefined);
  if (todo.length === 0) return g;
  let elems = 0;
  let largest = todo[0]!;
  for (const p of todo) {
    const n = numel(p.shape);
    elems += n;
    if (n > numel(largest.shape)) largest = p;
  }
  if (opts.maxBytes !== undefined && elems * 4 > opts.maxBytes) {
    const module = largest.name.slice(0, Math.max(0, largest.name.lastIndexOf('.')));
    throw new NetforgeError({
      code: 'E_TOO_LARGE',
      message: `the parameters to initialize need ${gb(elems * 4)} of float32 (${groupDigits(elems)} values; the largest, ${largest.name} [${largest.shape.join(', ')}], ${gb(numel(largest.shape) * 4)}), more than the ${gb(opts.maxBytes)} of memory here`,
      ...(module !== '' ? { modulePath: module } : {}),
      hint: 'check the channel counts and widths for a typo; `netforge summary` shows the sizes without allocating them',
    });
  }
  const randomElems = todo.reduce((s, p) => s + (p.init.kind === 'const' ? 0 : numel(p.shape)), 0);
  const filled = randomElems >= PARALLEL_THRESHOLD ? parallelFill(todo, seed, opts.threads) : null;
  const params = new Map<string, Param>();
  for (const [k, p] of g.params) {
    if (p.data !== undefined) params.set(k, p);
    else params.set(k, { ...p, data: filled?.get(k) ?? initParam(p, seed) });
  }
  ctx?.note(`initialized ${todo.length} tensors (${groupDigits(elems)} values) from seed ${seed}${filled ? ' on worker threads' : ''}`);
  return { ...g, params };
}

export function initParamsPass(seed: number, opts: InitParamsOptions = {}): Pass {
  return { name: 'init-params', run: (g, ctx) => initParams(g, seed, opts, ctx) };
}
