/**
 * load-state-dict: give the graph's params the values of a checkpoint, strictly, as
 * torch's `model.load_state_dict(sd)` does.
 *
 * Rules:
 * 1. Keys are state_dict names. Every param of the graph must be in the checkpoint
 *    (missing keys), every checkpoint key must be a param (unexpected keys), and shapes
 *    must match exactly (shape mismatches). All problems are collected and reported in
 *    one E_STATE_DICT error, each list truncated after LIST_LIMIT entries with a count.
 * 2. `num_batches_tracked` buffers are ignored: the IR has no such buffer (it only
 *    matters for training with momentum=None).
 * 3. A loaded param's data is the caller's Float32Array itself, never a copy: the caller
 *    hands zero-copy views of the file buffer where the reader allows it. The input graph
 *    is not mutated.
 * 4. With `replaceHead`, the params of a classifier layer (ir/head.ts: a ResNet's fc, a
 *    segmentation head's last 1x1 conv) whose shapes differ from the checkpoint's in the
 *    output dimension only (fc.weight [10, 512] vs [1000, 512], fc.bias [10] vs [1000]) are
 *    not loaded: they keep no data, so init-params initializes them from the seed, as
 *    replacing `model.fc` after loading pretrained weights does. A note and a warning say
 *    so. Without `replaceHead` that difference is an error like any other.
 * 5. graph.meta `netforge.weights` records where the weights came from, how many tensors
 *    were loaded and which params were left to init-params; `meta` adds more entries.
 * 6. With `strict: false` (torch's `load_state_dict(sd, strict=False)`), missing keys are
 *    left to init-params (drawn from the seed) and unexpected keys are ignored; a warning
 *    lists both and the metadata records them. Shape mismatches stay errors, as in torch.
 *    A checkpoint of which not one tensor fits is an error even then: it is the wrong file.
 * 7. Params in `fresh` (a head a backbone checkpoint does not have, pipeline/adaptCheckpoint.ts)
 *    may be missing: they are left to init-params like a replaced head, and recorded so.
 * Run it before init-params, so nothing is initialized and then overwritten.
 */
import type { Graph, Param } from '../ir/types.js';
import { NetforgeError } from '../errors.js';
import { classifierLayers } from '../ir/head.js';
import type { Pass, PassContext } from './pass.js';
import { printable } from '../printable.js';

export const WEIGHTS_META = 'netforge.weights';
/** How many entries of each problem list an error shows before "... and N more". */
export const LIST_LIMIT = 8;

/** A checkpoint tensor already converted to float32 (see toFloat32 in src/weights). */
export interface Float32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface ShapeMismatch {
  readonly name: string;
  readonly checkpoint: readonly number[];
  readonly model: readonly number[];
}

/** Everything that keeps a checkpoint from loading, for errors and hints. */
export interface StateDictMismatch {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly shapes: readonly ShapeMismatch[];
  /** Gemm params whose shapes differ in the output dimension only (rule 4). */
  readonly head: readonly ShapeMismatch[];
  /** Checkpoint keys that matched a param by name and shape. */
  readonly matched: number;
}

export interface LoadStateDictOptions {
  /** The file (or URL) the tensors came from, for messages and metadata. */
  readonly source?: string;
  /** Leave a classifier whose output dimension differs to init-params (rule 4). Default false. */
  readonly replaceHead?: boolean;
  /** false: load what fits by name, leave missing params to init-params, ignore unexpected keys (rule 6). Default true. */
  readonly strict?: boolean;
  /** The init-params seed, named in the head-replacement warning. Default 0. */
  readonly seed?: number;
  /** Called with user-facing warnings (the CLI prints them on stderr). */
  readonly warn?: (message: string) => void;
  /** More facts for graph.meta once loaded (e.g. the weights' preprocessing recipe). */
  readonly meta?: ReadonlyMap<string, string>;
  /** Params the checkpoint need not have: left to init-params (rule 7). */
  readonly fresh?: ReadonlySet<string>;
  /** The hint for a failed load when the caller can tell more, e.g. which known architecture the checkpoint is; replaces the generic hints. */
  readonly explain?: (m: StateDictMismatch) => string | undefined;
}

const IGNORED = /(^|\.)num_batches_tracked$/;

const dims = (s: readonly number[]): string => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The difference is only in dimension 0 (a Gemm's output features), and every other dimension agrees. */
function outputDimOnly(m: ShapeMismatch): boolean {
  return m.checkpoint.length === m.model.length && m.checkpoint.length >= 1 && m.checkpoint.every((d, i) => i === 0 || d === m.model[i]);
}

/** Compare a checkpoint (its tensors' shapes are all that is read) with a graph's params (rules 1, 2, 4). */
export function compareStateDict(g: Graph, state: ReadonlyMap<string, { readonly shape: readonly number[] }>): StateDictMismatch {
  const classifiers = classifierLayers(g);
  const gemmParams = new Set(classifiers.flatMap((n) => [...n.params]));
  const missing: string[] = [];
  const shapes: ShapeMismatch[] = [];
  let matched = 0;
  for (const [name, p] of g.params) {
    const t = state.get(name);
    if (t === undefined) missing.push(name);
    else if (!sameShape(t.shape, p.shape)) shapes.push({ name, checkpoint: t.shape, model: p.shape });
    else matched++;
  }
  const unexpected = [...state.keys()].filter((k) => !g.params.has(k) && !IGNORED.test(k));
  // A head mismatch only counts as one when both the weight and the bias of that Gemm (if it has one) differ that way.
  const headCandidates = new Set(shapes.filter((m) => gemmParams.has(m.name) && outputDimOnly(m)).map((m) => m.name));
  const headNodes = classifiers.filter((n) => n.params.length > 0 && n.params.every((p) => headCandidates.has(p)));
  const headNames = new Set(headNodes.flatMap((n) => [...n.params]));
  const outDims = new Set(headNodes.flatMap((n) => n.params.map((p) => shapes.find((s) => s.name === p)!.checkpoint[0])));
  const head = outDims.size === 1 ? shapes.filter((m) => headNames.has(m.name)) : [];
  const headSet = new Set(head.map((m) => m.name));
  return { missing, unexpected, shapes: shapes.filter((m) => !headSet.has(m.name)), head, matched };
}

/** Up to LIST_LIMIT names (checkpoint keys are data: control characters escaped), then a count. */
function listOf(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT).map(printable).join(', ');
  return items.length > LIST_LIMIT ? `${shown}, ... and ${items.length - LIST_LIMIT} more` : shown;
}

/** The module a param belongs to: `layer1.0.conv1.weight` -> `layer1.0.conv1`. */
const moduleOf = (name: string): string => name.slice(0, Math.max(0, name.lastIndexOf('.')));

/** The first dotted segment shared by every key, if any (`backbone.`), for the "wrapped model" hint. */
function commonPrefix(keys: readonly string[]): string | undefined {
  if (keys.length === 0) return undefined;
  const first = keys[0]!.split('.')[0]!;
  return keys.every((k) => k.startsWith(`${first}.`)) ? `${first}.` : undefined;
}

/** The weight params of the convolutions that read the graph's input (the stem's first conv). */
export function inputConvWeights(g: Graph): string[] {
  const input = new Set(g.inputs);
  return g.nodes.filter((n) => n.op === 'Conv' && n.inputs.some((i) => input.has(i)) && n.params[0] !== undefined).map((n) => n.params[0]!);
}

/** How to fix it, from the shape of the mismatch. */
function hintFor(g: Graph, m: StateDictMismatch, replaceHead: boolean, extra: string | undefined): string {
  const headOnly = m.missing.length === 0 && m.unexpected.length === 0 && m.shapes.length === 0 && m.head.length > 0;
  // The caller's diagnosis (e.g. "the checkpoint is a resnet18") says it best, unless only the
  // classifier differs: then the model is the checkpoint's architecture with another head (a
  // fine-tuning definition such as resnet50 with 37 classes), and --num-classes is the fix.
  if (extra !== undefined && !headOnly) return extra;
  const hints: string[] = [];
  const prefix = commonPrefix(m.unexpected);
  if (m.matched === 0 && prefix !== undefined && m.unexpected.some((k) => g.params.has(k.slice(prefix.length)))) {
    hints.push(`every checkpoint key starts with '${printable(prefix)}': the checkpoint holds a model that wraps this one (a Lightning module's self.${printable(prefix.slice(0, -1))}, say); pass --weights-strip-prefix ${printable(prefix)} to load it`);
    return hints.join('; ');
  }
  if (m.matched === 0 && m.head.length === 0 && m.shapes.length === 0) {
    const sample = m.unexpected.slice(0, 3).map((k) => `'${printable(k)}'`).join(', ');
    hints.push(`not one checkpoint key names a param of ${g.name}${sample ? ` (the checkpoint has ${sample}, ...)` : ''}: it holds a different network; check the file and the model name`);
    return hints.join('; ');
  }
  if (headOnly && !replaceHead) {
    const ck = m.head[0]!.checkpoint[0]!;
    const mo = m.head[0]!.model[0]!;
    hints.push(`the checkpoint's classifier has ${ck} outputs and the model's ${mo}: pass --num-classes ${mo} to load the backbone and start a fresh ${mo}-class head (transfer learning), or --num-classes ${ck} to load it whole`);
  } else if (m.shapes.length > 0 || m.missing.length > 0 || m.unexpected.length > 0) {
    const first = new Set(inputConvWeights(g));
    const stem = m.shapes.find((s) => first.has(s.name) && s.checkpoint.length === 4 && s.checkpoint[0] === s.model[0] && s.checkpoint[1] !== s.model[1]);
    if (stem !== undefined) {
      const [ck, mo] = [stem.checkpoint[1]!, stem.model[1]!];
      const adaptable = ck === 3 || (mo === 1 && ck % 3 === 0);
      hints.push(
        `the checkpoint's first conv (${stem.name}) takes ${ck} input channels and the model's ${mo}: ` +
          (adaptable ? `pass --in-chans ${mo} to adapt the pretrained weights to ${mo} channel${mo === 1 ? '' : 's'} (as timm does: ${mo === 1 ? 'summed over RGB' : `repeated and scaled by 3/${mo}`}), or --in-chans ${ck} for a ${ck}-channel input` : `pass --in-chans ${ck} for a ${ck}-channel input`),
      );
    }
    if (m.shapes.some((s) => s !== stem)) {
      hints.push('layer widths differ: resnet50, resnext50_32x4d (32 groups x 4) and wide_resnet50_2 (width 128) share every name but not the shapes; check the architecture name');
    }
    if (m.missing.some((k) => /\.conv3\.weight$/.test(k)) || m.unexpected.some((k) => /\.conv3\.weight$/.test(k))) {
      hints.push('one side has Bottleneck blocks (conv3) and the other BasicBlocks: resnet18/34 use BasicBlock, resnet50 and deeper use Bottleneck');
    } else if (m.missing.some((k) => /^layer\d\.\d+\./.test(k)) || m.unexpected.some((k) => /^layer\d\.\d+\./.test(k))) {
      hints.push('the number of blocks per stage differs (e.g. resnet50 [3,4,6,3] vs resnet101 [3,4,23,3]): check the architecture name');
    }
    if (m.shapes.some((s) => s !== stem) || m.missing.length > 0 || m.unexpected.length > 0) hints.push('the checkpoint was saved from a different architecture or configuration');
    // Only names differ (no shape mismatch): what torch users do with strict=False.
    if (m.shapes.length === 0 && m.matched > 0) hints.push('to load the tensors that fit and initialize the rest from the seed, as load_state_dict(strict=False) does, pass --no-strict');
  }
  return hints.join('; ');
}

function mismatchError(g: Graph, m: StateDictMismatch, o: LoadStateDictOptions): NetforgeError {
  const head = o.replaceHead ? [] : m.head;
  const shapeLines = [...m.shapes, ...head].map((s) => `${printable(s.name)}: checkpoint ${dims(s.checkpoint)}, model ${dims(s.model)}`);
  const counts: string[] = [];
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : what.endsWith('h') ? 'es' : 's'}`;
  if (m.missing.length) counts.push(plural(m.missing.length, 'missing key'));
  if (m.unexpected.length) counts.push(plural(m.unexpected.length, 'unexpected key'));
  if (shapeLines.length) counts.push(plural(shapeLines.length, 'shape mismatch'));
  const lines = [`the weights do not fit ${g.name}: ${counts.join(', ')} (${m.matched} of ${g.params.size} params matched)`];
  if (m.missing.length) lines.push(`  missing keys (${m.missing.length}): ${listOf(m.missing)}`);
  if (m.unexpected.length) lines.push(`  unexpected keys (${m.unexpected.length}): ${listOf(m.unexpected)}`);
  if (shapeLines.length) {
    lines.push(`  shape mismatches (${shapeLines.length}):`);
    for (const l of shapeLines.slice(0, LIST_LIMIT)) lines.push(`    ${l}`);
    if (shapeLines.length > LIST_LIMIT) lines.push(`    ... and ${shapeLines.length - LIST_LIMIT} more`);
  }
  const problems = [...m.missing, ...m.unexpected, ...m.shapes.map((s) => s.name), ...head.map((s) => s.name)];
  return new NetforgeError({
    code: 'E_STATE_DICT',
    message: lines.join('\n'),
    ...(problems.length === 1 ? { modulePath: moduleOf(problems[0]!) } : {}),
    ...(o.source !== undefined ? { file: o.source } : {}),
    hint: hintFor(g, m, o.replaceHead ?? false, o.explain?.(m)),
  });
}

/** What a load with these options does (rules 1, 4, 6): whether it succeeds, and which params it leaves to init-params. */
export interface LoadOutcome {
  readonly ok: boolean;
  /** Params that keep no data (a replaced head, params missing from a non-strict load). */
  readonly fresh: readonly string[];
}

export function loadOutcome(m: StateDictMismatch, o: Pick<LoadStateDictOptions, 'strict' | 'replaceHead'> = {}): LoadOutcome {
  const strict = o.strict ?? true;
  const headOk = (o.replaceHead ?? false) && m.head.length > 0;
  const keysWrong = strict && (m.missing.length > 0 || m.unexpected.length > 0);
  const ok = !(keysWrong || m.shapes.length > 0 || (m.head.length > 0 && !headOk) || (!strict && m.matched === 0));
  return { ok, fresh: ok ? [...(headOk ? m.head.map((h) => h.name) : []), ...(strict ? [] : m.missing)] : [] };
}

export function loadStateDict(g: Graph, state: ReadonlyMap<string, Float32Tensor>, o: LoadStateDictOptions = {}, ctx?: PassContext): Graph {
  const fresh = o.fresh ?? new Set<string>();
  const all = compareStateDict(g, state);
  const m = fresh.size === 0 ? all : { ...all, missing: all.missing.filter((k) => !fresh.has(k)) };
  const strict = o.strict ?? true;
  const headOk = (o.replaceHead ?? false) && m.head.length > 0;
  const outcome = loadOutcome(m, o);
  if (!outcome.ok) throw mismatchError(g, m, o);

  const skip = new Set([...outcome.fresh, ...[...fresh].filter((k) => g.params.has(k))]);
  const params = new Map<string, Param>();
  let loaded = 0;
  for (const [name, p] of g.params) {
    if (skip.has(name)) {
      // Fresh head: drop any data so init-params draws it from the seed.
      const { data: _dropped, ...fresh } = p;
      params.set(name, fresh);
      continue;
    }
    if (p.dtype !== 'float32') {
      throw new NetforgeError({
        code: 'E_STATE_DICT',
        message: `param ${name} is ${p.dtype}; weights load into float32 params`,
        modulePath: moduleOf(name),
        hint: 'load the weights before converting the model to float16',
      });
    }
    params.set(name, { ...p, data: state.get(name)!.data });
    loaded++;
  }
  const where = o.source !== undefined ? ` from ${o.source}` : '';
  const tracked = [...state.keys()].filter((k) => IGNORED.test(k)).length;
  ctx?.note(`loaded ${loaded} tensors${where}${tracked > 0 ? ` (${tracked} num_batches_tracked ignored)` : ''}`);
  if (!strict && (m.missing.length > 0 || m.unexpected.length > 0)) {
    const parts: string[] = [];
    const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
    if (m.missing.length) parts.push(`${n(m.missing.length, 'param', 'params')} not in the checkpoint initialized from seed ${o.seed ?? 0} (${listOf(m.missing)})`);
    if (m.unexpected.length) parts.push(`${n(m.unexpected.length, 'checkpoint key', 'checkpoint keys')} ignored (${listOf(m.unexpected)})`);
    const msg = `non-strict load${where}: ${parts.join('; ')}`;
    ctx?.note(msg);
    o.warn?.(msg);
  }
  if (headOk) {
    const names = m.head.map((h) => h.name).join('/');
    const gemm = g.nodes.some((n) => n.op === 'Gemm' && n.params.includes(m.head[0]!.name));
    const like = gemm ? 'like replacing model.fc after loading pretrained weights' : 'like replacing the classifier\'s last conv after loading pretrained weights';
    const msg = `${names}: checkpoint has ${m.head[0]!.checkpoint[0]} classes, model has ${m.head[0]!.model[0]}: head initialized from seed ${o.seed ?? 0} (${like})`;
    ctx?.note(msg);
    o.warn?.(msg);
  }
  const meta = new Map(g.meta);
  for (const [k, v] of o.meta ?? []) meta.set(k, v);
  meta.set(
    WEIGHTS_META,
    JSON.stringify({
      ...(o.source !== undefined ? { source: o.source } : {}),
      loaded,
      ...(skip.size ? { initialized: [...skip], seed: o.seed ?? 0 } : {}),
      ...(!strict ? { strict: false, ...(m.unexpected.length ? { ignored: m.unexpected } : {}) } : {}),
    }),
  );
  return { ...g, params, meta };
}

export function loadStateDictPass(state: ReadonlyMap<string, Float32Tensor>, o: LoadStateDictOptions = {}): Pass {
  return { name: 'load-state-dict', run: (g, ctx) => loadStateDict(g, state, o, ctx) };
}
