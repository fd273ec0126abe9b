/**
 * The graph builder behind the DSL. A model's build function runs inside `buildGraph`,
 * which keeps the current module scope and collects nodes, values and params. Shapes
 * come from the op registry (src/ir/ops.ts); the DSL holds no shape arithmetic.
 */
import type { DType, Graph, InitSpec, ModuleInfo, ModuleKind, Node, NodeOf, OpAttrMap, OpKind, Param, ParamRole, Shape, SourceLoc, SymbolInfo, Value } from '../ir/types.js';
import { ShapeError, inferNodeShape, nodeOutputDType } from '../ir/ops.js';
import { OutputNameError, withNamedOutputs } from '../ir/outputs.js';
import { NetforgeError, formatLoc, type ErrorCode, type ModelOptionName, type RelatedLocation } from '../errors.js';
import { callerLoc } from './sourceLoc.js';

/** A tensor while a model is being built: a value id with its shape. */
export interface Tensor {
  readonly id: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

interface BuilderState {
  readonly scopes: string[];
  readonly nodes: Node[];
  readonly values: Map<string, Value>;
  readonly params: Map<string, Param>;
  readonly nodeNames: Set<string>;
  /** module path -> where it was first defined, to report duplicates. */
  readonly modules: Map<string, SourceLoc | undefined>;
  readonly meta: Map<string, string>;
  /** Stage/block/head facts by path; the first record of a path wins (an outer block over the blocks it calls). */
  readonly kinds: Map<string, ModuleInfo>;
  /** Params that a layer marked frozen (transfer learning). */
  frozen: boolean;
  /** The input symbols and their constraints (shape functions prove equalities with them). */
  readonly symbols: ReadonlyMap<string, SymbolInfo>;
}

let current: BuilderState | null = null;

function state(what: string): BuilderState {
  if (current === null) {
    throw new NetforgeError({
      code: 'E_NO_MODEL',
      message: `${what} was called outside a model definition`,
      loc: callerLoc(),
      hint: 'call DSL layers inside defineModel({ build }) or buildGraph()',
    });
  }
  return current;
}

/**
 * Whether `t` is a tensor of the model being built: one its input or a layer produced (same
 * id, shape and dtype), not an object made by hand to look like one.
 */
export function isModelTensor(t: Tensor): boolean {
  const v = current?.values.get(t.id);
  return v !== undefined && v.dtype === t.dtype && v.shape.length === t.shape.length && v.shape.every((d, i) => d === t.shape[i]);
}

/** The module path for a child called `name` in the current scope. */
export function modulePath(name?: string | number): string {
  const s = state('modulePath');
  return [...s.scopes, ...(name === undefined ? [] : [String(name)])].join('.');
}

/** What a scope is, when it is a stage, a block or a head (`scope('classifier', fn, { kind: 'head', type: 'FCNHead' })`). */
export interface ScopeKind {
  readonly kind: ModuleKind;
  /** The PyTorch class name shown by summary and report. */
  readonly type: string;
}

/** Run `fn` inside a child module scope (`layer1`, then `0`, ...), like nn.Module attributes. */
export function scope<T>(name: string | number, fn: () => T, kind?: ScopeKind): T {
  const s = state('scope');
  const key = String(name);
  if (key === '' || key.includes('.')) {
    throw userError('E_BAD_NAME', `module name ${JSON.stringify(key)} is not valid`, 'use a non-empty name without dots; nest scopes instead');
  }
  s.scopes.push(key);
  try {
    if (kind !== undefined) recordModule(kind);
    return fn();
  } finally {
    s.scopes.pop();
  }
}

/**
 * Record that the current scope is a stage, block or head. The first record of a path
 * stands: a user's block that calls bottleneck.build inside its own scope stays the user's.
 * Nothing is recorded at the top level (the model itself).
 */
export function recordModule(kind: ScopeKind): void {
  const s = state('recordModule');
  const path = s.scopes.join('.');
  if (path === '' || s.kinds.has(path)) return;
  s.kinds.set(path, { path, kind: kind.kind, type: kind.type });
}

/** Mark every param created inside `fn` as frozen (not trainable). */
export function frozen<T>(fn: () => T): T {
  const s = state('frozen');
  const was = s.frozen;
  s.frozen = true;
  try {
    return fn();
  } finally {
    s.frozen = was;
  }
}

/** More about a DSL error: the module (default: the current scope), related locations, the model option it is about. */
export interface UserErrorExtra {
  readonly module?: string;
  readonly related?: readonly RelatedLocation[];
  readonly option?: ModelOptionName;
}

/** An error in the user's model definition, located at the user's call site. */
export function userError(code: ErrorCode, message: string, hint?: string, extra: UserErrorExtra = {}): NetforgeError {
  const modPath = extra.module ?? (current ? current.scopes.join('.') : undefined);
  const loc = callerLoc();
  return new NetforgeError({
    code,
    message,
    ...(modPath ? { modulePath: modPath } : {}),
    ...(hint !== undefined ? { hint } : {}),
    ...(loc !== undefined ? { loc } : {}),
    ...(extra.related !== undefined ? { related: extra.related } : {}),
    ...(extra.option !== undefined ? { option: extra.option } : {}),
  });
}

/** Claim a module path; a second claim is a duplicate module name unless `reuse` is set. */
export function claimModule(path: string, reuse = false): void {
  const s = state('layer');
  if (s.modules.has(path) && !reuse) {
    const first = s.modules.get(path);
    throw userError(
      'E_DUPLICATE_MODULE',
      `module ${path} is defined twice${first ? ` (first at ${formatLoc(first)})` : ''}`,
      'give each layer its own name, or pass reuse: true to call the same layer (and weights) again',
      { module: path, ...(first ? { related: [{ message: `${path} is first defined here`, loc: first }] } : {}) },
    );
  }
  // The location is filled in by the module's first node (emit): one stack capture per
  // layer instead of two (see BENCHMARKS.md).
  if (!s.modules.has(path)) s.modules.set(path, undefined);
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly init: InitSpec;
  readonly isParameter?: boolean;
}

/** Declare a param under module `module` (or return it if the module is reused). */
export function declareParam(module: string, spec: ParamSpec): string {
  const s = state('param');
  const full = `${module}.${spec.name}`;
  const existing = s.params.get(full);
  if (existing) {
    if (existing.shape.join(',') !== spec.shape.join(',')) {
      throw userError(
        'E_SHARED_PARAM_SHAPE',
        `reused layer ${module} needs ${spec.name} of shape [${spec.shape.join(', ')}] but it was created as [${existing.shape.join(', ')}]`,
        'a reused layer must see inputs with the same channel counts',
        { module },
      );
    }
    return full;
  }
  const isParameter = spec.isParameter ?? true;
  s.params.set(full, {
    name: full,
    dtype: 'float32',
    shape: spec.shape,
    role: spec.role,
    isParameter,
    trainable: isParameter && !s.frozen,
    init: spec.init,
  });
  return full;
}

function uniqueNodeName(s: BuilderState, base: string): string {
  if (!s.nodeNames.has(base)) return base;
  for (let i = 1; ; i++) {
    const n = `${base}_${i}`;
    if (!s.nodeNames.has(n)) return n;
  }
}

/** Add one node; its output shape comes from the registry. Shape errors become user errors here. */
export function emit<K extends OpKind>(
  op: K,
  module: string,
  inputs: readonly Tensor[],
  params: readonly string[],
  attrs: OpAttrMap[K],
): Tensor {
  const s = state(op);
  const name = uniqueNodeName(s, module || op.toLowerCase());
  const loc = callerLoc();
  if (s.modules.has(module) && s.modules.get(module) === undefined) s.modules.set(module, loc);
  const paramShapes = params.map((p) => s.params.get(p)!.shape);
  const proto = { name, op, attrs, inputs: inputs.map((t) => t.id), params, outputs: [name], module, ...(loc ? { loc } : {}) } as NodeOf<K>;
  let shape: Shape;
  try {
    shape = inferNodeShape(proto as Node, inputs.map((t) => t.shape), paramShapes, { domains: s.symbols });
  } catch (e) {
    if (e instanceof ShapeError) {
      throw new NetforgeError({
        code: e.code,
        message: e.message,
        modulePath: module,
        ...(loc ? { loc } : {}),
        ...(e.hint !== undefined ? { hint: e.hint } : {}),
      });
    }
    throw e;
  }
  const dtype = nodeOutputDType(proto as Node, inputs.map((t) => t.dtype));
  s.nodeNames.add(name);
  s.nodes.push(proto as Node);
  s.values.set(name, { id: name, dtype, shape });
  return { id: name, shape, dtype };
}

/** Attach a string fact to the graph metadata (config, preprocessing). */
export function setMeta(key: string, value: string): void {
  state('setMeta').meta.set(key, value);
}

export interface BuildGraphOptions {
  readonly name: string;
  /** Input shape without the batch dimension: numbers, or symbol names for sizes that vary (`[3, 'H', 'W']`). */
  readonly input: readonly (number | string)[];
  /**
   * What each symbol means (reference size, allowed multiples). The batch symbol defaults
   * to reference 1; every other symbol of `input` must be described here.
   */
  readonly symbols?: ReadonlyMap<string, SymbolInfo>;
  readonly inputName?: string;
  /** A single output's name. Default `logits` for a [N, classes] output, `features` for anything else (a backbone's feature map). */
  readonly outputName?: string;
  readonly batch?: string | number;
  /** Where the model was defined: build errors without a layer of their own (a bad output) point here. */
  readonly definedAt?: SourceLoc;
}

/** What a build function returns: one tensor, or named tensors (the graph's outputs, in this order). */
export type BuildOutput = Tensor | Readonly<Record<string, Tensor>>;

const isTensorLike = (t: unknown): t is Tensor => typeof t === 'object' && t !== null && typeof (t as { id?: unknown }).id === 'string' && Array.isArray((t as { shape?: unknown }).shape);

/** Run a build function and return the finished, plain-data Graph. */
export function buildGraph(opts: BuildGraphOptions, fn: (x: Tensor) => BuildOutput): Graph {
  if (current !== null) throw new Error('internal: buildGraph is not re-entrant');
  const inputName = opts.inputName ?? 'input';
  const s: BuilderState = {
    scopes: [],
    nodes: [],
    values: new Map(),
    params: new Map(),
    nodeNames: new Set([inputName]),
    modules: new Map(),
    meta: new Map(),
    kinds: new Map(),
    frozen: false,
    symbols: symbolsFor(opts),
  };
  const inShape: Shape = [opts.batch ?? 'N', ...opts.input];
  s.values.set(inputName, { id: inputName, dtype: 'float32', shape: inShape });
  current = s;
  let out: BuildOutput;
  try {
    out = fn({ id: inputName, shape: inShape, dtype: 'float32' });
  } finally {
    current = null;
  }
  const fail = (message: string, hint: string): NetforgeError =>
    new NetforgeError({ code: 'E_BAD_OUTPUT', message, hint, ...(opts.definedAt !== undefined ? { loc: opts.definedAt } : {}) });
  const named: [string, Tensor][] = [];
  if (isTensorLike(out)) {
    // A classifier's output (a Linear's) is `logits`; anything else (a backbone's feature map, pooled or not) is `features`.
    const producer = s.nodes.find((n) => n.outputs[0] === out.id);
    named.push([opts.outputName ?? (producer?.op === 'Gemm' ? 'logits' : 'features'), out]);
  } else if (typeof out === 'object' && out !== null && !Array.isArray(out)) {
    for (const [k, t] of Object.entries(out)) {
      if (!isTensorLike(t)) throw fail(`model ${opts.name}'s output '${k}' is ${describe(t)}, not a tensor`, 'every value of the record build() returns must be the result of a DSL layer');
      named.push([k, t]);
    }
    if (named.length === 0) throw fail(`model ${opts.name}'s build function returned an empty record`, 'return a tensor, or a record with at least one named tensor');
  } else {
    throw fail(`model ${opts.name}'s build function must return a tensor produced by a DSL layer, or a record of them, got ${describe(out)}`, "return the last layer's result from build()");
  }
  for (const [k, t] of named) {
    if (!s.values.has(t.id) || s.values.get(t.id)!.shape !== t.shape) {
      throw fail(`model ${opts.name}'s output '${k}' was not produced by a DSL layer of this model`, 'return tensors made by netforge layers inside build(), not hand-made objects');
    }
    if (k === inputName) throw fail(`model ${opts.name} names an output '${k}', which is the input's name`, 'choose another output name');
    if (!OUTPUT_NAME.test(k)) throw fail(`model ${opts.name}'s output name ${JSON.stringify(k)} is not usable`, 'use letters, digits, _ . - / and : (at most 128 characters)');
  }
  if (named.length === 1 && named[0]![1].id === inputName) {
    throw new NetforgeError({ code: 'E_BAD_OUTPUT', message: `model ${opts.name} returns its input unchanged`, hint: 'add at least one layer', ...(opts.definedAt !== undefined ? { loc: opts.definedAt } : {}) });
  }
  const graph: Graph = { name: opts.name, inputs: [inputName], outputs: [], values: s.values, nodes: s.nodes, params: s.params, meta: s.meta, modules: [...s.kinds.values()], symbols: s.symbols };
  try {
    return withNamedOutputs(graph, named.map(([name, t]) => ({ name, value: t.id })));
  } catch (e) {
    if (e instanceof OutputNameError) throw new NetforgeError({ code: 'E_OUTPUT_NAME', message: `model ${opts.name}: ${e.message}`, hint: e.hint, ...(opts.definedAt !== undefined ? { loc: opts.definedAt } : {}) });
    throw e;
  }
}

/** Output names: what ONNX, Triton and file names can all carry. */
const OUTPUT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** The batch symbol at reference 1, plus the symbols the caller describes; every symbol of the input must be described. */
function symbolsFor(opts: BuildGraphOptions): Map<string, SymbolInfo> {
  const batch = typeof opts.batch === 'string' ? opts.batch : opts.batch === undefined ? 'N' : undefined;
  const out = new Map<string, SymbolInfo>(batch !== undefined ? [[batch, { reference: 1, multipleOf: 1 }]] : []);
  for (const [k, v] of opts.symbols ?? []) out.set(k, v);
  for (const d of opts.input) {
    if (typeof d === 'string' && !out.has(d)) {
      throw new NetforgeError({ code: 'E_INPUT_SPEC', message: `input size ${d} of model ${opts.name} has no reference size`, hint: 'give the model a reference size (defineModel({ reference: [3, 224, 224] })) for MACs and expectations' });
    }
  }
  return out;
}
