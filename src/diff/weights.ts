/**
 * Weight compatibility: what A's checkpoint does when loaded into B, by the same
 * comparison `--weights` runs (compareStateDict, loadOutcome in passes/loadStateDict.ts).
 *
 * Rules:
 * 1. A's checkpoint is A's state_dict as torch saves it: every parameter and buffer under
 *    its state_dict name, and a `num_batches_tracked` counter (shape []) after each
 *    BatchNorm's tensors. Its entries load into B by name and shape, change shape, or are
 *    A's only; B's entries that A lacks are B's only.
 * 2. The counters are listed as torch's load_state_dict lists them: A's counter that B has
 *    no BatchNorm for is unexpected, but B's counter that A lacks is not missing (torch
 *    fills it in). `--weights` ignores them when it loads (the IR has no such buffer):
 *    they never decide the outcome.
 * 3. The outcome is the first of these that loads: strict; --no-strict (B's params that A
 *    lacks are drawn from the seed); with --num-classes, when only the classifier's output
 *    dimension differs and B was not already given one (the classifier starts fresh);
 *    both. Otherwise the checkpoint does not load (a shape changes, or no name matches).
 * 4. With --in-chans on B, `--weights` adapts the checkpoint's input convolution first
 *    (pipeline/adapt.ts, timm's adapt_input_conv): the outcome is decided on the adapted
 *    shapes, while the lists stay torch's (which adapts nothing). A first convolution that
 *    cannot be adapted (E_IN_CHANS) means the checkpoint does not load.
 */
import type { Graph } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { compareStateDict, inputConvWeights, loadOutcome } from '../passes/loadStateDict.js';
import { adaptInputConv } from '../pipeline/adapt.js';
import { adaptCheckpoint } from '../pipeline/adaptCheckpoint.js';
import type { ModelDefinition } from '../dsl/model.js';
import { isNetforgeError } from '../errors.js';
import { groupKeys, type KeyGroups } from './keyGroups.js';

const TRACKED = /(^|\.)num_batches_tracked$/;

/** `layer1.0.bn1.weight` -> `layer1.0.bn1`. */
const moduleOf = (name: string): string => name.slice(0, Math.max(0, name.lastIndexOf('.')));

export interface StateDictEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A graph's state_dict as torch saves it (rule 1), in order. */
export function stateDictEntries(g: Graph): StateDictEntry[] {
  const counterAfter = new Map<string, string>();
  for (const n of g.nodes) {
    if (n.op !== 'BatchNormalization' || n.params.length === 0) continue;
    const last = n.params[n.params.length - 1]!;
    counterAfter.set(last, `${moduleOf(last)}.num_batches_tracked`);
  }
  const out: StateDictEntry[] = [];
  for (const [name, p] of g.params) {
    out.push({ name, shape: p.shape });
    const counter = counterAfter.get(name);
    if (counter !== undefined) out.push({ name: counter, shape: [] });
  }
  return out;
}

export interface ShapeChange {
  readonly name: string;
  readonly a: readonly number[];
  readonly b: readonly number[];
}

/** What `--weights` of A's checkpoint does to B (rule 3). */
export interface LoadVerdict {
  /** The load succeeds with these flags. */
  readonly ok: boolean;
  /** --no-strict is needed. */
  readonly noStrict: boolean;
  /** --num-classes is needed: only the classifier's output size differs. */
  readonly numClasses: boolean;
  /** B's tensors that start fresh (drawn from the seed), in B's order. */
  readonly fresh: readonly string[];
  /** Parameters (not buffers) among them, in elements. */
  readonly freshParams: number;
  /** Input convolutions --in-chans adapts first (rule 4). */
  readonly adapted: readonly string[];
  /** Why --in-chans cannot adapt A's input convolution, when it cannot. */
  readonly adaptError?: string;
  /** What --weights does to A's checkpoint before loading it into B (a backbone's weights into `backbone.*`, a left-out auxiliary head), as it says it. */
  readonly checkpointNotes: readonly string[];
}

export interface WeightsCompat {
  /** A's state_dict entries, the counters included. */
  readonly entries: number;
  /** num_batches_tracked counters among them. */
  readonly tracked: number;
  /** A's entries that load into B by name and shape. */
  readonly loads: number;
  /** A's entries whose shape differs in B, in A's order. */
  readonly shapeChanged: readonly ShapeChange[];
  /** A's entries B has no place for (torch's unexpected keys). */
  readonly onlyInA: readonly string[];
  /** B's entries A's checkpoint lacks (torch's missing keys: counters are not among them, rule 2). */
  readonly onlyInB: readonly string[];
  /** B's state_dict entries. */
  readonly entriesB: number;
  readonly verdict: LoadVerdict;
  /** The lists in few words (whole blocks, module patterns; see ./keyGroups.ts). */
  readonly described: { readonly shapeChanged: KeyGroups; readonly onlyInA: KeyGroups; readonly onlyInB: KeyGroups };
}

export interface WeightsCompatOptions {
  /** B's options set the class count (--num-classes): a classifier of another size is replaced, not an error. */
  readonly bReplacesHead?: boolean;
  /** B's --in-chans: A's input convolution is adapted to this many channels before loading (rule 4). */
  readonly bInChans?: number;
  /** The block paths of each model, to name whole blocks in the descriptions. */
  readonly blocksA?: readonly string[];
  readonly blocksB?: readonly string[];
  /** B's definition: its `backbone` and `auxHead` adapt A's checkpoint as --weights does (pipeline/adaptCheckpoint.ts). */
  readonly bDef?: Pick<ModelDefinition, 'backbone' | 'auxHead'>;
}

const shapesOf = (sd: readonly StateDictEntry[]): Map<string, readonly number[]> => new Map(sd.map((e) => [e.name, e.shape]));

/** The shapes --in-chans gives A's input convolutions in B (rule 4), by the adapter itself run on zeros; or why it cannot. */
function adaptedShapes(b: Graph, shapesA: ReadonlyMap<string, readonly number[]>, inChans: number | undefined): { readonly shapes: Map<string, readonly number[]>; readonly error?: string } {
  const shapes = new Map<string, readonly number[]>();
  if (inChans === undefined) return { shapes };
  for (const name of inputConvWeights(b)) {
    const shape = shapesA.get(name);
    if (shape === undefined || shape.length !== 4 || shape[1] === inChans) continue;
    try {
      shapes.set(name, adaptInputConv({ shape, data: new Float32Array(numel(shape)) }, inChans, name, "A's checkpoint").shape);
    } catch (e) {
      if (isNetforgeError(e) && e.code === 'E_IN_CHANS') return { shapes, error: e.message };
      throw e;
    }
  }
  return { shapes };
}

/** A's checkpoint into B (rules 1-4). */
export function weightsCompat(a: Graph, b: Graph, o: WeightsCompatOptions = {}): WeightsCompat {
  const bReplacesHead = o.bReplacesHead ?? false;
  const rawA = stateDictEntries(a);
  // A's checkpoint as --weights hands it to the load: a backbone's weights moved under B's
  // backbone (its heads fresh), an auxiliary head B was built without left out
  const ck = o.bDef === undefined ? undefined : adaptCheckpoint(b, new Map(rawA.map((e) => [e.name, { shape: [...e.shape], data: new Float32Array(0) }])), o.bDef, "A's checkpoint", undefined);
  const sdA = ck === undefined ? rawA : [...ck.tensors].map(([name, t]) => ({ name, shape: t.shape }));
  const headsFresh = ck?.fresh ?? new Set<string>();
  const sdB = stateDictEntries(b);
  const shapesB = new Map(sdB.map((e) => [e.name, e.shape]));
  const compare = (shape: (e: StateDictEntry) => readonly number[]) => {
    const r = compareStateDict(b, new Map(sdA.map((e) => [e.name, { shape: shape(e) }])));
    return headsFresh.size === 0 ? r : { ...r, missing: r.missing.filter((k) => !headsFresh.has(k)) };
  };
  const m = compare((e) => e.shape);
  const adapt = adaptedShapes(b, shapesOf(sdA), o.bInChans);
  const loading = adapt.error === undefined ? compare((e) => adapt.shapes.get(e.name) ?? e.shape) : m;
  const changedNames = new Set([...m.shapes, ...m.head].map((s) => s.name));
  const unexpected = new Set(m.unexpected);
  const missing = new Set(m.missing);
  const shapeChanged = sdA.filter((e) => changedNames.has(e.name)).map((e) => ({ name: e.name, a: e.shape, b: shapesB.get(e.name)! }));
  const onlyInA = sdA.filter((e) => unexpected.has(e.name) || (TRACKED.test(e.name) && !shapesB.has(e.name))).map((e) => e.name);
  const onlyInB = sdB.filter((e) => missing.has(e.name)).map((e) => e.name);

  const attempts = [
    { strict: true, replaceHead: bReplacesHead },
    { strict: false, replaceHead: bReplacesHead },
    ...(bReplacesHead ? [] : [{ strict: true, replaceHead: true }, { strict: false, replaceHead: true }]),
  ];
  const found = adapt.error !== undefined ? undefined : attempts.map((o) => ({ o, outcome: loadOutcome(loading, o) })).find((t) => t.outcome.ok);
  const fresh = found === undefined ? [] : [...found.outcome.fresh, ...headsFresh];
  const freshSet = new Set(fresh);
  const freshParams = [...b.params].filter(([name, p]) => freshSet.has(name) && p.isParameter).reduce((s, [, p]) => s + numel(p.shape), 0);
  const verdict: LoadVerdict = {
    ok: found !== undefined,
    noStrict: found !== undefined && !found.o.strict,
    numClasses: found !== undefined && found.o.replaceHead && !bReplacesHead,
    fresh: [...b.params.keys()].filter((k) => freshSet.has(k)),
    freshParams,
    adapted: [...adapt.shapes.keys()],
    ...(adapt.error !== undefined ? { adaptError: adapt.error } : {}),
    checkpointNotes: (ck?.notices ?? []).map((n) => n.message),
  };
  return {
    entries: rawA.length,
    tracked: rawA.filter((e) => TRACKED.test(e.name)).length,
    loads: sdA.length - shapeChanged.length - onlyInA.length,
    shapeChanged,
    onlyInA,
    onlyInB,
    entriesB: sdB.length,
    verdict,
    described: {
      shapeChanged: groupKeys(
        shapeChanged.map((c) => c.name),
        sdA.map((e) => e.name),
        o.blocksA ?? [],
      ),
      onlyInA: groupKeys(
        onlyInA,
        sdA.map((e) => e.name),
        o.blocksA ?? [],
      ),
      onlyInB: groupKeys(
        onlyInB,
        sdB.filter((e) => !TRACKED.test(e.name)).map((e) => e.name),
        o.blocksB ?? [],
      ),
    },
  };
}
