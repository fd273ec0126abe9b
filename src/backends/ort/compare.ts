/**
 * Prove a graph rewrite numerically: run a reference graph and a candidate graph in
 * onnxruntime (CPU) on the same seeded random input and compare their outputs.
 *
 * Difference measures (a = reference output, b = candidate output, all elements):
 *   max abs diff = max |a - b|
 *   max rel diff = max |a - b| / max |a|
 * The relative figure divides by the largest reference magnitude, not element by element,
 * so logits near zero do not inflate it; it reads "the worst error as a fraction of the
 * output's scale". It is 0 when both are all zero and Infinity when only a is.
 *
 * Both sessions run with onnxruntime's graph optimizations disabled, so the reference
 * really computes BatchNormalization instead of onnxruntime folding it itself.
 *
 * A graph with several outputs (a segmentation model's `out` and `aux`) is compared on each,
 * by name; the figures are those of the output that differs most (relative).
 */
import type { Graph } from '../../ir/types.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import { evalDim } from '../../ir/dim.js';
import { NetforgeError } from '../../errors.js';
import { loadableModel } from './loadableModel.js';
import { assertRunFits, runBytes } from './runMemory.js';
import { createSession, releaseSession, runFloat32All, type RunResult, type Session, type SessionOptions } from './session.js';

/** float32 folding error is ~1e-7 per layer; 1e-5 leaves room for 150-layer nets. */
export const DEFAULT_CHECK_TOLERANCE = 1e-5;

export interface OutputDiff {
  /** max |a - b| */
  readonly maxAbs: number;
  /** max |a - b| / max |a| (see the file comment). */
  readonly maxRel: number;
  /** max |a|, the reference output's scale. */
  readonly refMaxAbs: number;
}

export function outputDiff(reference: Float32Array, candidate: Float32Array): OutputDiff {
  if (reference.length !== candidate.length) throw new Error(`internal: comparing outputs of ${reference.length} and ${candidate.length} elements`);
  let maxAbs = 0;
  let refMaxAbs = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i]!;
    const d = Math.abs(a - candidate[i]!);
    // NaN compares false: force it through so a NaN output can never pass.
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) || Number.isNaN(maxAbs) ? NaN : d;
    const m = Math.abs(a);
    if (m > refMaxAbs) refMaxAbs = m;
  }
  const maxRel = maxAbs === 0 ? 0 : refMaxAbs === 0 ? Infinity : maxAbs / refMaxAbs;
  return { maxAbs, maxRel, refMaxAbs };
}

export interface CompareOptions {
  /** Batch size of the random input. Default 2. */
  readonly batch?: number;
  /** Seed of the random input, N(0, 1). Default 0. */
  readonly seed?: number;
  /** Largest acceptable max rel diff. Default 1e-5. */
  readonly tolerance?: number;
  /** Values for the input's symbolic sizes (H, W); default their reference sizes. */
  readonly sizes?: Readonly<Record<string, number>>;
}

export interface CompareResult extends OutputDiff {
  readonly passed: boolean;
  readonly tolerance: number;
  readonly batch: number;
  readonly seed: number;
  readonly inputDims: readonly number[];
  /** The first output's dims. */
  readonly outputDims: readonly number[];
  /** Every output compared, in the graph's order (one for a single-output graph). */
  readonly outputs: readonly ({ readonly name: string; readonly dims: readonly number[] } & OutputDiff)[];
}

/** A seeded N(0, 1) tensor for the graph's first input with the given batch size (symbolic sizes at `sizes`, else their reference). */
export function seededInput(g: Graph, batch: number, seed: number, sizes: Readonly<Record<string, number>> = {}): { readonly data: Float32Array; readonly dims: number[] } {
  const v = g.values.get(g.inputs[0]!)!;
  const dims = v.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return batch;
    const env: Record<string, number> = {};
    for (const [k, s] of g.symbols) env[k] = sizes[k] ?? s.reference;
    return evalDim(d, env);
  });
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  fillNormal(data, 1, rngFor(seed, 'netforge.check.input'));
  return { data, dims };
}

/**
 * An onnxruntime session for a graph: in memory, or through a temp dir when it needs
 * external data. Graph optimizations are off unless `opts` says otherwise.
 */
export async function graphSession(g: Graph, opts: SessionOptions = { graphOptimizationLevel: 'disabled' }): Promise<Session> {
  const m = loadableModel(g);
  try {
    return await createSession(m.model, opts);
  } finally {
    m.dispose();
  }
}

async function runGraph(g: Graph, data: Float32Array, dims: readonly number[]): Promise<readonly RunResult[]> {
  const s = await graphSession(g);
  try {
    return await runFloat32All(s, data, dims, g.outputs);
  } finally {
    await releaseSession(s);
  }
}

/** Run both graphs on the same seeded input; `passed` when max rel diff <= tolerance. */
export async function compareGraphs(reference: Graph, candidate: Graph, o: CompareOptions = {}): Promise<CompareResult> {
  const batch = o.batch ?? 2;
  const seed = o.seed ?? 0;
  const tolerance = o.tolerance ?? DEFAULT_CHECK_TOLERANCE;
  // before the input is allocated: an --input-size of 40000 would need hundreds of GB
  assertRunFits(Math.max(runBytes(reference, batch, o.sizes), runBytes(candidate, batch, o.sizes)), `running ${reference.name} on a batch of ${batch} to check it`, 'choose a smaller --input-size for --check, or compile without --check');
  const x = seededInput(reference, batch, seed, o.sizes);
  const as = await runGraph(reference, x.data, x.dims);
  const bs = await runGraph(candidate, x.data, x.dims);
  const outputs = as.map((a) => {
    const b = bs.find((y) => y.name === a.name);
    if (b === undefined || a.dims.join() !== b.dims.join()) {
      throw new NetforgeError({
        code: 'E_CHECK_FAILED',
        message: b === undefined ? `the optimized ${candidate.name} has no output ${a.name}` : `the optimized ${candidate.name} outputs ${a.name} [${b.dims.join(', ')}] but the unoptimized one outputs [${a.dims.join(', ')}]`,
        hint: 'this is a bug in netforge: compile with --no-fold-bn and report it with the model file',
      });
    }
    return { name: a.name, dims: a.dims, ...outputDiff(a.data, b.data) };
  });
  // the worst output's figures (NaN counts as the worst)
  const worst = outputs.reduce((w, o) => (!(o.maxRel <= w.maxRel) ? o : w));
  const diff = { maxAbs: worst.maxAbs, maxRel: worst.maxRel, refMaxAbs: worst.refMaxAbs };
  return { ...diff, passed: diff.maxRel <= tolerance, tolerance, batch, seed, inputDims: x.dims, outputDims: as[0]!.dims, outputs };
}

export function formatCompare(r: CompareResult): string {
  const e = (n: number): string => (Number.isFinite(n) ? n.toExponential(2) : String(n));
  const several = r.outputs.length > 1;
  return [
    `  input    [${r.inputDims.join(', ')}] ~ N(0, 1), seed ${r.seed}; onnxruntime cpu, graph optimizations off`,
    ...(several ? r.outputs.map((o) => `  ${o.name.padEnd(8)} [${o.dims.join(', ')}] max rel ${e(o.maxRel)}`) : []),
    `  max abs  ${e(r.maxAbs)}  (max |a - b|, a = unoptimized output${several ? ' that differs most' : ''}, max |a| = ${e(r.refMaxAbs)})`,
    `  max rel  ${e(r.maxRel)}  (max |a - b| / max |a|), tolerance ${e(r.tolerance)}: ${r.passed ? 'ok' : 'FAILED'}`,
  ].join('\n');
}

/** E_CHECK_FAILED (exit 1) unless the comparison passed. */
export function assertCheckPassed(r: CompareResult, model: string): void {
  if (r.passed) return;
  throw new NetforgeError({
    code: 'E_CHECK_FAILED',
    message: `the optimized ${model} disagrees with the unoptimized one: max rel diff ${r.maxRel} > ${r.tolerance} (max abs diff ${r.maxAbs}, max |a| ${r.refMaxAbs})`,
    hint: 'compile with --no-fold-bn to keep BatchNormalization, and report this with the model file',
  });
}
