/**
 * A list of state_dict keys in few words: whole blocks by their path, the rest grouped by
 * module within their block (`layer*.*.conv1.weight`: conv1 of several blocks, the blocks'
 * paths with digits read as `*`), or outside any block by module with numeric segments
 * read as `*`, each group with its leaves and a count.
 *
 *   every key under layer1.2                           -> `layer1.2`
 *   layer1.0.conv1.weight, ..., layer4.2.conv1.weight  -> `layer*.*.conv1.weight (16)`
 *   layer1.0.bn1.weight, layer1.0.bn1.bias, ...        -> `layer*.*.bn1.{weight,bias,running_mean,running_var} (64)`
 *
 * A group of one module shows the module's own name.
 */

export interface KeyGroups {
  /** Blocks every key of which is listed, in order. */
  readonly units: readonly string[];
  /** The other keys, grouped: `layer*.*.conv1.weight (16)`. */
  readonly groups: readonly string[];
}

const moduleOf = (name: string): string => name.slice(0, Math.max(0, name.lastIndexOf('.')));
const leafOf = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/** `names`: the keys to describe; `all`: every key of the model they come from; `units`: its block paths. */
export function groupKeys(names: readonly string[], all: readonly string[], units: readonly string[]): KeyGroups {
  const listed = new Set(names);
  const whole = units.filter((u) => {
    const under = all.filter((k) => k.startsWith(`${u}.`));
    return under.length > 0 && under.every((k) => listed.has(k));
  });
  const inWhole = (k: string): boolean => whole.some((u) => k.startsWith(`${u}.`));
  const byPattern = new Map<string, { modules: Set<string>; leaves: Set<string>; count: number }>();
  for (const k of names) {
    if (inWhole(k)) continue;
    const module = moduleOf(k);
    const unit = units.find((u) => module.startsWith(`${u}.`));
    const pattern =
      unit !== undefined
        ? `${unit.replace(/\d+/g, '*')}.${module.slice(unit.length + 1)}`
        : module
            .split('.')
            .map((s) => (/^\d+$/.test(s) ? '*' : s))
            .join('.');
    let g = byPattern.get(pattern);
    if (g === undefined) byPattern.set(pattern, (g = { modules: new Set(), leaves: new Set(), count: 0 }));
    g.modules.add(module);
    g.leaves.add(leafOf(k));
    g.count++;
  }
  const groups = [...byPattern].map(([pattern, g]) => {
    const module = g.modules.size === 1 ? [...g.modules][0]! : pattern;
    const leaves = [...g.leaves];
    const leaf = leaves.length === 1 ? leaves[0]! : `{${leaves.join(',')}}`;
    const name = module === '' ? leaf : `${module}.${leaf}`;
    return g.count === 1 ? name : `${name} (${g.count})`;
  });
  return { units: whole, groups };
}
