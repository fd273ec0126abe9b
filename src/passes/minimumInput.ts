/**
 * The smallest input a graph with symbolic sizes accepts: for each input symbol (the batch
 * excepted), the smallest allowed value for which every layer's output keeps at least one
 * pixel (ir/dimProof.ts smallestSize), with the layer that collapses first below it.
 */
import type { Graph } from '../ir/types.js';
import { dimKey, dimSymbols } from '../ir/dim.js';
import { smallestSize, type SizedDim, type SmallestSize } from '../ir/dimProof.js';

export interface MinimumInput {
  /** Symbol -> its smallest allowed value (absent: no size up to the search limit works). */
  readonly min: Readonly<Record<string, number>>;
  /** Symbol -> where the map collapses just below the minimum (absent when the minimum is the smallest allowed value). */
  readonly collapses: Readonly<Record<string, NonNullable<SmallestSize['collapses']>>>;
  /** Symbols for which no size works. */
  readonly impossible: readonly string[];
}

export function minimumInput(g: Graph): MinimumInput {
  const batch = g.values.get(g.inputs[0]!)?.shape[0];
  // each distinct size once, at the first layer that has it (a ResNet has a dozen, not hundreds)
  const byKey = new Map<string, SizedDim>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      for (const d of g.values.get(o)?.shape ?? []) {
        if (typeof d === 'number') continue;
        const k = dimKey(d);
        if (!byKey.has(k)) byKey.set(k, { dim: d, where: n.module || n.name });
      }
    }
  }
  const dims = [...byKey.values()];
  const reference: Record<string, number> = {};
  for (const [k, s] of g.symbols) reference[k] = s.reference;
  const min: Record<string, number> = {};
  const collapses: Record<string, NonNullable<SmallestSize['collapses']>> = {};
  const impossible: string[] = [];
  const symbols = new Set(dims.flatMap((d) => dimSymbols(d.dim)));
  for (const sym of [...symbols].sort()) {
    if (sym === batch) continue;
    const r = smallestSize(dims, sym, g.symbols, reference);
    if (r === undefined) impossible.push(sym);
    else {
      min[sym] = r.min;
      if (r.collapses !== undefined) collapses[sym] = r.collapses;
    }
  }
  return { min, collapses, impossible };
}
