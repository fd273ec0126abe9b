/**
 * Parallel branches inside a section: ASPP's five (a 1x1 conv, three dilated 3x3 convs and
 * the image pooling) side by side, joined by the Concat. The section's layers read as a
 * sequence of steps: a plain layer, or a fork of lanes that meet at a join.
 *
 * Rules:
 * 1. A Concat with at least two inputs made inside the section is a join. Its lane for an
 *    input is every layer of the section that leads to that input and to no other input of
 *    the join, in graph order; layers that lead to several inputs come before the fork.
 * 2. A lane may be empty (a section input joined as it is) but two lanes at least are not.
 * 3. The fork takes the join's place in the sequence; the other layers keep graph order.
 */
import type { Layer } from './structure.js';

export type Step = { readonly kind: 'layer'; readonly layer: Layer } | { readonly kind: 'fork'; readonly lanes: readonly (readonly Layer[])[]; readonly join: Layer };

export function branchSteps(layers: readonly Layer[]): Step[] {
  const byOutput = new Map<string, Layer>();
  for (const l of layers) for (const o of l.node.outputs) byOutput.set(o, l);
  const ancestors = (v: string): Set<Layer> => {
    const seen = new Set<Layer>();
    const stack = [v];
    while (stack.length > 0) {
      const l = byOutput.get(stack.pop()!);
      if (l === undefined || seen.has(l)) continue;
      seen.add(l);
      stack.push(...l.node.inputs);
    }
    return seen;
  };
  const inLane = new Set<Layer>();
  const forks = new Map<Layer, readonly (readonly Layer[])[]>();
  for (const join of layers) {
    if (join.node.op !== 'Concat') continue;
    const anc = join.node.inputs.map(ancestors);
    const lanes = anc.map((a, j) => layers.filter((l) => a.has(l) && !inLane.has(l) && anc.every((b, k) => k === j || !b.has(l))));
    if (lanes.filter((ls) => ls.length > 0).length < 2) continue;
    forks.set(join, lanes);
    for (const ls of lanes) for (const l of ls) inLane.add(l);
  }
  const steps: Step[] = [];
  for (const l of layers) {
    const lanes = forks.get(l);
    if (lanes !== undefined) steps.push({ kind: 'fork', lanes, join: l });
    else if (!inLane.has(l)) steps.push({ kind: 'layer', layer: l });
  }
  return steps;
}

/** Whether a section's layers hold a fork (its diagram column then draws lanes). */
export function hasFork(layers: readonly Layer[]): boolean {
  return branchSteps(layers).some((s) => s.kind === 'fork');
}
