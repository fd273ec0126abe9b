/**
 * The anatomy of one residual block, read from the graph alone: which nodes form the
 * body (main path), which form the shortcut, and what kind of shortcut it is.
 *
 * Rules:
 * 1. The block's merge is its last Add. Without an Add the block is plain (shortcut 'none').
 * 2. Each Add input's branch is the set of block nodes it depends on (walking back until
 *    a value produced outside the block). The shortcut is the branch with fewer weighted
 *    layers (then fewer nodes; then the second input, as torchvision writes `out += identity`).
 * 3. Shortcut kind, by the ops on the shortcut branch:
 *    none -> identity; a Conv -> projection (torchvision's `downsample`: Conv + BN);
 *    only Slice/Pad -> option A (subsample, zero-pad: the paper's parameter-free shortcut);
 *    Identity and Cast are transparent (a shortcut of only those is an identity).
 *    anything else -> custom.
 * 4. Nodes after the Add (the final ReLU) are the block's tail.
 */
import type { Node, Shape } from '../../ir/types.js';
import { isWeighted } from '../../ir/ops.js';
import { layerLabel } from './format.js';

export type ShortcutKind = 'identity' | 'projection' | 'optionA' | 'custom' | 'none';

export interface Shortcut {
  readonly kind: ShortcutKind;
  /** `identity`, `projection`, `option A`, `custom`, `none`. */
  readonly label: string;
  /** What the shortcut does, e.g. `1x1 conv, 128, /2` or `subsample, zero pad`; empty for identity. */
  readonly detail: string;
  /** Node names on the shortcut branch, in graph order. */
  readonly nodes: readonly string[];
}

export interface BlockAnatomy {
  /** Main-path nodes before the merge, in graph order. */
  readonly body: readonly Node[];
  /** The merging Add, if any. */
  readonly merge: Node | undefined;
  /** Nodes after the merge (the block's final ReLU). */
  readonly tail: readonly Node[];
  readonly shortcut: Shortcut;
}

const SHORTCUT_LABEL: Readonly<Record<ShortcutKind, string>> = {
  identity: 'identity',
  projection: 'projection',
  optionA: 'option A',
  custom: 'custom',
  none: 'none',
};

/** Ops that only carry a value along (they do not change what kind of shortcut it is). */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'BatchNormalization']);

/**
 * Dissect a block. `nodes` are the block's nodes in graph order; `shapeOf` gives a value's
 * shape (for labels).
 */
export function blockAnatomy(nodes: readonly Node[], shapeOf: (value: string) => Shape): BlockAnatomy {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  let merge: Node | undefined;
  for (const n of nodes) if (n.op === 'Add') merge = n;
  if (merge === undefined) {
    return { body: nodes, merge, tail: [], shortcut: { kind: 'none', label: SHORTCUT_LABEL.none, detail: '', nodes: [] } };
  }

  const branch = (value: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [value];
    while (stack.length > 0) {
      const p = producer.get(stack.pop()!);
      if (p === undefined || seen.has(p.name)) continue;
      seen.add(p.name);
      stack.push(...p.inputs);
    }
    return seen;
  };
  const weighted = (set: Set<string>): number => nodes.filter((n) => set.has(n.name) && isWeighted(n)).length;
  const [a, b] = [branch(merge.inputs[0]!), branch(merge.inputs[1]!)];
  const wa = weighted(a);
  const wb = weighted(b);
  const aIsShortcut = wa < wb || (wa === wb && a.size < b.size);
  const [mainSet, shortSet] = aIsShortcut ? [b, a] : [a, b];
  for (const name of mainSet) shortSet.delete(name);

  const mergeIndex = nodes.indexOf(merge);
  const body = nodes.filter((n, i) => i < mergeIndex && !shortSet.has(n.name));
  const tail = nodes.slice(mergeIndex + 1).filter((n) => !shortSet.has(n.name));
  const shortNodes = nodes.filter((n) => shortSet.has(n.name));
  return { body, merge, tail, shortcut: classifyShortcut(shortNodes, shapeOf) };
}

function classifyShortcut(nodes: readonly Node[], shapeOf: (value: string) => Shape): Shortcut {
  const names = nodes.map((n) => n.name);
  const ops = new Set(nodes.map((n) => n.op));
  const make = (kind: ShortcutKind, detail: string): Shortcut => ({ kind, label: SHORTCUT_LABEL[kind], detail, nodes: names });
  const isCarrier = (n: Node): boolean => n.op === 'Identity' || n.op === 'Cast';
  if (nodes.every(isCarrier)) return make('identity', '');
  const meaningful = nodes.filter((n) => !PASS_THROUGH.has(n.op));
  const describe = (ns: readonly Node[]): string => ns.map((n) => layerLabel(n, shapeOf(n.outputs[0]!))).join(' + ');
  if (ops.has('Conv')) return make('projection', describe(meaningful.filter((n) => n.op !== 'Relu')));
  if (meaningful.length > 0 && meaningful.every((n) => n.op === 'Slice' || n.op === 'Pad')) return make('optionA', describe(meaningful));
  return make('custom', describe(nodes.filter((n) => !isCarrier(n))));
}
