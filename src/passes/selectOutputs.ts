/**
 * select-outputs: expose module outputs as the graph's outputs (`--outputs layer2,layer3`,
 * torchvision's IntermediateLayerGetter, timm's features_only).
 *
 * Rules:
 * 1. A module's output is its last node's output (graph order): a stage's is its last
 *    block's, a block's its final ReLU.
 * 2. Outputs follow the request order and are named as asked (default: the module path).
 * 3. An unknown module is refused with the nearest module paths; a module asked for
 *    twice, two outputs with one name, or a name taken by another value, likewise.
 * 4. The model's own outputs are no longer outputs; what no output needs is removed by
 *    eliminate-dead (run right after: the notes say what went).
 */
import type { Graph } from '../ir/types.js';
import { OutputNameError, moduleOutput, modulePaths, withNamedOutputs } from '../ir/outputs.js';
import { NetforgeError } from '../errors.js';
import type { Pass } from './pass.js';

export interface OutputSelection {
  readonly module: string;
  readonly name?: string;
}

function nearest(name: string, paths: readonly string[]): string[] {
  const dist = (a: string, b: string): number => {
    const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return dp[a.length]![b.length]!;
  };
  // a path that ends in the name comes first: `layer3` is `backbone.layer3` in a segmentation model
  const within = (p: string): number => (p.endsWith(`.${name}`) ? 0 : 1);
  return [...paths].sort((x, y) => within(x) - within(y) || dist(name, x) - dist(name, y) || x.length - y.length).slice(0, 5);
}

export function selectOutputs(g: Graph, requests: readonly OutputSelection[], ctx?: { note: (l: string) => void }): Graph {
  const seen = new Set<string>();
  const paths = modulePaths(g);
  const outputs = requests.map((r) => {
    if (seen.has(r.module)) throw new NetforgeError({ code: 'E_USAGE', message: `outputs name module ${r.module} twice`, hint: 'name each module once', exitCode: 2 });
    seen.add(r.module);
    const value = moduleOutput(g, r.module);
    if (value === undefined) {
      throw new NetforgeError({
        code: 'E_UNKNOWN_MODULE',
        message: `${g.name} has no module ${r.module}`,
        hint: `the nearest module paths: ${nearest(r.module, paths).join(', ')}`,
      });
    }
    return { name: r.name ?? r.module, value };
  });
  let out: Graph;
  try {
    out = withNamedOutputs(g, outputs);
  } catch (e) {
    if (e instanceof OutputNameError) throw new NetforgeError({ code: 'E_OUTPUT_NAME', message: e.message, hint: e.hint });
    throw e;
  }
  ctx?.note(`outputs ${requests.map((r) => (r.name === undefined || r.name === r.module ? r.module : `${r.name} (${r.module})`)).join(', ')} instead of ${g.outputs.join(', ')}`);
  return out;
}

export function selectOutputsPass(requests: readonly OutputSelection[]): Pass {
  return { name: 'select-outputs', run: (g, ctx) => selectOutputs(g, requests, ctx) };
}
