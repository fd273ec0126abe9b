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
 */
import type { ModelDefinition } from './dsl/model.js';
import { compile, type CompiledModel, type CompileOptions } from './compile.js';
import type { CompareResult } from './backends/ort/compare.js';

/** --check tolerance for float16 models (relative, rule 3). */
export const FLOAT16_TOLERANCE = 5e-3;

export interface FoldingCheck {
  /** Both graphs were given random BatchNorm statistics (rule 2). */
  readonly randomized: boolean;
  /** The candidate had BatchNorm folded (false under foldBatchNorm: false: only the other passes are checked). */
  readonly folded: boolean;
  /** The candidate: `compiled` when it could be reused, else compiled here. */
  readonly candidate: CompiledModel;
  readonly result: CompareResult;
}

export interface CheckFoldingOptions {
  /** The compile already made with `o`, reused as the candidate when its BatchNorm statistics are the ones to check. */
  readonly compiled?: CompiledModel;
  /** Batch of the seeded input. Default 2. */
  readonly batch?: number;
}

export async function checkFolding(def: ModelDefinition, o: CompileOptions = {}, c: CheckFoldingOptions = {}): Promise<FoldingCheck> {
  const randomized = o.randomizeBatchNorm ?? o.weights === undefined;
  // the extra compiles say nothing: their notices and IR dumps would repeat the main compile's
  const quiet = { printAfter: [], onNotice: () => {} };
  const reference = compile(def, { ...o, ...quiet, dtype: 'float32', foldBatchNorm: false, randomizeBatchNorm: randomized });
  const reusable = c.compiled !== undefined && randomized === (o.randomizeBatchNorm ?? false);
  const candidate = reusable ? c.compiled! : compile(def, { ...o, ...quiet, randomizeBatchNorm: randomized });
  // onnxruntime's native binding loads only when a check runs
  const { compareGraphs } = await import('./backends/ort/compare.js');
  const result = await compareGraphs(reference.graph, candidate.graph, {
    batch: c.batch ?? 2,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.dtype === 'float16' ? { tolerance: FLOAT16_TOLERANCE } : {}),
  });
  return { randomized, folded: o.foldBatchNorm ?? true, candidate, result };
}
