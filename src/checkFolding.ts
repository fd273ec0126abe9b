/**
 * checkFolding: `compile --check` as a library call. It proves that the optimized graph
 * (BatchNorm folded, cleanups, float16 when asked) computes what the model as defined
 * computes, by running both in onnxruntime on the same seeded input.
 *
 * Rules:
 * 1. The reference is the same model compiled without folding, in float32.
 * 2. Seeded weights make BatchNorm the identity (gamma 1, beta 0, mean 0, var 1), which
 *    would make folding trivially exact: unless told otherwise, both graphs then get the
 *    same random BatchNorm statistics (randomizeBatchNorm). Loaded weights keep their real
 *    statistics (randomizing would overwrite them).
 * 3. The tolerance is 1e-5 relative to the output's scale (5e-3 for float16, which rounds
 *    weights and activations: measured 5e-4..1.3e-3 on the zoo, README "fp16").
 * 4. A model with symbolic sizes is checked at its reference size and at an odd,
 *    non-square size (about 0.45 and 0.6 of the reference, at least its minimum, on its
 *    allowed multiples): one file, two sizes.
 */
import type { ModelDefinition } from './dsl/model.js';
import { compile, type CompiledModel, type CompileOptions } from './compile.js';
import type { CompareResult } from './backends/ort/compare.js';
import type { GraphStats } from './passes/analyze.js';

/** --check tolerance for float16 models (relative, rule 3). */
export const FLOAT16_TOLERANCE = 5e-3;

export interface FoldingCheck {
  /** Both graphs were given random BatchNorm statistics (rule 2). */
  readonly randomized: boolean;
  /** The candidate had BatchNorm folded (false under foldBatchNorm: false: only the other passes are checked). */
  readonly folded: boolean;
  /** The candidate: `compiled` when it could be reused, else compiled here. */
  readonly candidate: CompiledModel;
  /** The first comparison (at the reference size), and the worst of all when any failed. */
  readonly result: CompareResult;
  /** Every comparison: one per size checked (rule 4), with the sizes (empty for a fixed-size model). */
  readonly runs: readonly { readonly sizes: Readonly<Record<string, number>>; readonly result: CompareResult }[];
}

export interface CheckFoldingOptions {
  /** The compile already made with `o`, reused as the candidate when its BatchNorm statistics are the ones to check. */
  readonly compiled?: CompiledModel;
  /** Batch of the seeded input. Default 2. */
  readonly batch?: number;
}

/** `compile --check`: compile `def` with and without the optimizations and run both in onnxruntime on one seeded input (rules above). Needs onnxruntime-node. */
export async function checkFolding(def: ModelDefinition, o: CompileOptions = {}, c: CheckFoldingOptions = {}): Promise<FoldingCheck> {
  const randomized = o.randomizeBatchNorm ?? o.weights === undefined;
  // the extra compiles say nothing: their notices and IR dumps would repeat the main compile's
  const quiet = { printAfter: [], onNotice: () => {} };
  const reference = compile(def, { ...o, ...quiet, dtype: 'float32', foldBatchNorm: false, randomizeBatchNorm: randomized });
  const reusable = c.compiled !== undefined && randomized === (o.randomizeBatchNorm ?? false);
  const candidate = reusable ? c.compiled! : compile(def, { ...o, ...quiet, randomizeBatchNorm: randomized });
  // onnxruntime's native binding loads only when a check runs
  const { compareGraphs } = await import('./backends/ort/compare.js');
  const runs = [];
  for (const sizes of checkSizes(reference.source)) {
    const result = await compareGraphs(reference.graph, candidate.graph, {
      batch: c.batch ?? 2,
      sizes,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.dtype === 'float16' ? { tolerance: FLOAT16_TOLERANCE } : {}),
    });
    runs.push({ sizes, result });
  }
  const failed = runs.filter((r) => !r.result.passed).sort((a, b) => b.result.maxRel - a.result.maxRel)[0];
  return { randomized, folded: o.foldBatchNorm ?? true, candidate, result: (failed ?? runs[0]!).result, runs };
}

/** Rule 4: the sizes to check at. */
export function checkSizes(stats: GraphStats): Record<string, number>[] {
  const syms = Object.entries(stats.sizes);
  if (syms.length === 0) return [{}];
  const reference = Object.fromEntries(syms.map(([k, v]) => [k, v.reference]));
  const other = Object.fromEntries(
    syms.map(([k, v], i) => {
      const m = v.multipleOf;
      const want = Math.max(v.min ?? 1, Math.floor(v.reference * (i === 0 ? 0.45 : 0.6)));
      let size = Math.ceil(want / m) * m;
      if (m === 1 && size % 2 === 0) size += 1; // odd, unless the model allows only even sizes
      return [k, size];
    }),
  );
  return [reference, other];
}
