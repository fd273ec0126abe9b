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
 * 5. Gate (squeeze-and-excitation and the like), recognised by shape of the graph, not by
 *    module names: a Mul off the shortcut, one of whose operands is computed by a side
 *    chain that starts with a global pooling (GlobalAveragePool, GlobalMaxPool, or a
 *    ReduceMean over exactly the spatial axes) of a tensor the other operand is, or is
 *    downstream of, within the block. The chain must be closed: its nodes read only each
 *    other (the pool reads the pooled tensor) and feed only each other and the Mul. Its
 *    nodes form the gate and leave body and tail; the Mul stays on the main path. With
 *    several such Muls, the first in graph order is the gate (the others stay as they are).
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

/** A gating side branch: pooled from the main path, it rescales the main path at `scale`. */
export interface Gate {
  /** The chain's nodes, global pooling first, in graph order. */
  readonly nodes: readonly Node[];
  /** The main-path value the chain pools. */
  readonly source: string;
  /** The elementwise op that applies the gate (a Mul); it stays in `body` (or `tail`). */
  readonly scale: Node;
  /** The Mul's operand that carries the main path (the other one is the chain's output). */
  readonly main: string;
}

export interface BlockAnatomy {
  /** Main-path nodes before the merge, in graph order. */
  readonly body: readonly Node[];
  /** The merging Add, if any. */
  readonly merge: Node | undefined;
  /** Nodes after the merge (the block's final ReLU). */
  readonly tail: readonly Node[];
  readonly shortcut: Shortcut;
  /** The gating branch, if the block has one (rule 5). */
  readonly gate: Gate | undefined;
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

/** Elementwise ops that can apply a gate. */
const SCALE_OPS: ReadonlySet<string> = new Set(['Mul']);
/** Ops that pool all spatial positions at once (GlobalMaxPool is listed for when the registry gains it). */
const GLOBAL_POOL_OPS: ReadonlySet<string> = new Set(['GlobalAveragePool', 'GlobalMaxPool']);

/** A global pooling: one of GLOBAL_POOL_OPS, or a ReduceMean over exactly the spatial axes of an NCHW-like input. */
function isGlobalPool(n: Node, shapeOf: (value: string) => Shape): boolean {
  if (GLOBAL_POOL_OPS.has(n.op)) return true;
  if (n.op !== 'ReduceMean') return false;
  const rank = shapeOf(n.inputs[0]!).length;
  if (rank < 3) return false;
  const axes = new Set(n.attrs.axes.map((a) => (a < 0 ? a + rank : a)));
  if (axes.size !== rank - 2) return false;
  for (let i = 2; i < rank; i++) if (!axes.has(i)) return false;
  return true;
}

/**
 * Dissect a block. `nodes` are the block's nodes in graph order; `shapeOf` gives a value's
 * shape (for labels).
 */
export function blockAnatomy(nodes: readonly Node[], shapeOf: (value: string) => Shape): BlockAnatomy {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
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
  let merge: Node | undefined;
  for (const n of nodes) if (n.op === 'Add') merge = n;
  if (merge === undefined) {
    const gate = findGate(nodes, new Set(), producer, branch, shapeOf);
    const gated = new Set(gate?.nodes.map((n) => n.name));
    return { body: nodes.filter((n) => !gated.has(n.name)), merge, tail: [], shortcut: { kind: 'none', label: SHORTCUT_LABEL.none, detail: '', nodes: [] }, gate };
  }
  const weighted = (set: Set<string>): number => nodes.filter((n) => set.has(n.name) && isWeighted(n)).length;
  const [a, b] = [branch(merge.inputs[0]!), branch(merge.inputs[1]!)];
  const wa = weighted(a);
  const wb = weighted(b);
  const aIsShortcut = wa < wb || (wa === wb && a.size < b.size);
  const [mainSet, shortSet] = aIsShortcut ? [b, a] : [a, b];
  for (const name of mainSet) shortSet.delete(name);

  const gate = findGate(nodes, shortSet, producer, branch, shapeOf);
  const gated = new Set(gate?.nodes.map((n) => n.name));
  const mergeIndex = nodes.indexOf(merge);
  const body = nodes.filter((n, i) => i < mergeIndex && !shortSet.has(n.name) && !gated.has(n.name));
  const tail = nodes.slice(mergeIndex + 1).filter((n) => !shortSet.has(n.name) && !gated.has(n.name));
  const shortNodes = nodes.filter((n) => shortSet.has(n.name));
  return { body, merge, tail, shortcut: classifyShortcut(shortNodes, shapeOf), gate };
}

/** Rule 5: the first Mul (off the shortcut) whose one operand is a closed chain from a global pooling of the other's ancestry. */
function findGate(
  nodes: readonly Node[],
  shortSet: ReadonlySet<string>,
  producer: ReadonlyMap<string, Node>,
  branch: (value: string) => Set<string>,
  shapeOf: (value: string) => Shape,
): Gate | undefined {
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      let list = consumers.get(i);
      if (!list) consumers.set(i, (list = []));
      list.push(n);
    }
  }
  for (const scale of nodes) {
    if (!SCALE_OPS.has(scale.op) || shortSet.has(scale.name) || scale.inputs.length !== 2) continue;
    for (const k of [1, 0]) {
      const gateOut = scale.inputs[k]!;
      const main = scale.inputs[1 - k]!;
      if (gateOut === main) continue;
      const mainSet = branch(main);
      const chain = branch(gateOut);
      for (const name of mainSet) chain.delete(name);
      const members = nodes.filter((n) => chain.has(n.name));
      const pools = members.filter((n) => isGlobalPool(n, shapeOf));
      if (pools.length !== 1) continue;
      const pool = pools[0]!;
      const source = pool.inputs[0]!;
      // the pooled tensor: the main operand itself, or computed in the block upstream of it
      const src = producer.get(source);
      if (source !== main && (src === undefined || !mainSet.has(src.name))) continue;
      // closed: every chain node reads only chain values (the pool reads the source) ...
      const reads = members.every((n) => (n === pool ? true : n.inputs.every((i) => chain.has(producer.get(i)?.name ?? ''))));
      // ... and its values feed only the chain and the Mul
      const feeds = members.every((n) => n.outputs.every((o) => (consumers.get(o) ?? []).every((c) => c === scale || chain.has(c.name))));
      if (reads && feeds) return { nodes: members, source, scale, main };
    }
  }
  return undefined;
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
