/**
 * verify-sizes: for a graph with symbolic input sizes, find the smallest input every
 * layer accepts (passes/minimumInput.ts) and record it; refuse a model for which no size
 * works, naming the layer whose map collapses.
 *
 * Rules:
 * 1. Graphs whose only symbol is the batch are returned unchanged.
 * 2. graph.meta `netforge.min_input` holds the minimum per symbol as JSON ({"H":1,"W":1}),
 *    for the typed wrapper, `run` and serving configs.
 * 3. A symbol without a working size (up to 65,536) is E_SHAPE_EMPTY.
 */
import type { Graph } from '../ir/types.js';
import { NetforgeError } from '../errors.js';
import { MAX_SEARCH } from '../ir/dimProof.js';
import { minimumInput } from './minimumInput.js';
import type { Pass } from './pass.js';

export const MIN_INPUT_META = 'netforge.min_input';

export function verifySizes(g: Graph, ctx?: { note: (l: string) => void }): Graph {
  const batch = g.values.get(g.inputs[0]!)?.shape[0];
  if (![...g.symbols.keys()].some((s) => s !== batch)) return g;
  const m = minimumInput(g);
  if (m.impossible.length > 0) {
    throw new NetforgeError({
      code: 'E_SHAPE_EMPTY',
      message: `no input ${m.impossible.join(' and ')} up to ${MAX_SEARCH} gives every layer of ${g.name} an output`,
      hint: 'a layer shrinks the map faster than any input can make up for: check kernels, strides and padding',
    });
  }
  for (const [sym, min] of Object.entries(m.min)) {
    const c = m.collapses[sym];
    ctx?.note(`${sym} >= ${min}${c ? ` (at ${sym} = ${c.at}, ${c.where} has no output)` : ''}`);
  }
  const meta = new Map(g.meta);
  meta.set(MIN_INPUT_META, JSON.stringify(m.min));
  return { ...g, meta };
}

export const verifySizesPass: Pass = { name: 'verify-sizes', run: (g, ctx) => verifySizes(g, ctx) };
