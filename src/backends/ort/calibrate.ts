/**
 * Calibration: run the float graph in onnxruntime (CPU) on the calibration inputs with the
 * tensors the quantization plan names as extra graph outputs, and fold every batch's values
 * into per-tensor range statistics (./rangeStats.ts). Memory stays bounded: a file is read,
 * run in slices of at most `subBatch` samples, and dropped; only min/max and fixed-size
 * histograms are kept. The slice size follows from the outputs one sample produces (measured
 * by a one-sample run, again whenever the sample shape changes) and `memoryBudgetBytes`.
 * Graph inputs are calibrated with minmax whatever the method (the data is not clipped).
 */
import type { Graph } from '../../ir/types.js';
import { NetforgeError } from '../../errors.js';
import type { TensorRange } from '../../passes/quantize.js';
import { graphSession } from './compare.js';
import { inputTensor, releaseSession, type Session } from './session.js';
import { inputBatches, type CalibrationBatch, type InputSource } from './calibrationSet.js';
import { addValues, newStats, rangeOf, type CalibrationMethod, type RangeStats } from './rangeStats.js';
import type * as ort from 'onnxruntime-node';

/** Outputs held at once during calibration; 256 MiB keeps resnet50 (~64 MiB of tensors per sample at 224) at 4 samples a run. */
export const DEFAULT_CALIBRATION_MEMORY = 256 * 2 ** 20;
/** At most this many samples a run (and a synthetic set is drawn this many at a time). */
const MAX_SUB_BATCH = 64;

export interface CalibrateOptions {
  readonly method?: CalibrationMethod;
  readonly percentile?: number;
  readonly memoryBudgetBytes?: number;
  /** Samples done so far, of the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly intraOpNumThreads?: number;
}

export interface CalibrationResult {
  readonly ranges: ReadonlyMap<string, TensorRange>;
  readonly samples: number;
  /** session.run calls. */
  readonly runs: number;
  /** Samples per run after the measuring one (for the last sample shape seen). */
  readonly subBatch: number;
  /** sha256 of the calibration set (calibrationSet.ts rule 3). */
  readonly sha256: string;
  readonly ms: number;
}

export async function calibrate(g: Graph, tensors: readonly string[], source: InputSource, o: CalibrateOptions = {}): Promise<CalibrationResult> {
  const t0 = performance.now();
  const method = o.method ?? 'minmax';
  const inputs = new Set(g.inputs);
  const fetch = tensors.filter((t) => !inputs.has(t));
  const stats = new Map<string, RangeStats>(tensors.map((t) => [t, newStats(method)]));
  const augmented: Graph = { ...g, outputs: [...g.outputs, ...fetch.filter((t) => !g.outputs.includes(t))] };
  const session = await graphSession(augmented, {
    graphOptimizationLevel: 'all',
    ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
  });
  const budget = o.memoryBudgetBytes ?? DEFAULT_CALIBRATION_MEMORY;
  let subBatch = 1;
  // the sample shape subBatch was measured for: a symbolic model takes files of several sizes,
  // and a larger sample needs a new one-sample measurement before slices of it are run
  let measuredFor: string | undefined;
  let runs = 0;
  let done = 0;
  const fileBatches = inputBatches(source, MAX_SUB_BATCH);
  try {
    let next = fileBatches.next();
    while (!next.done) {
      const b: CalibrationBatch = next.value;
      const per = b.data.length / b.dims[0]!;
      const shape = b.dims.slice(1).join('x');
      for (let s = 0; s < b.dims[0]!; ) {
        const measuring = measuredFor !== shape;
        const n = Math.min(measuring ? 1 : subBatch, b.dims[0]! - s);
        const data = b.data.subarray(s * per, (s + n) * per);
        for (const i of inputs) if (stats.has(i)) addValues(stats.get(i)!, data);
        const bytes = await runOnce(session, data, [n, ...b.dims.slice(1)], fetch, stats, b.file);
        if (measuring) {
          subBatch = Math.max(1, Math.min(MAX_SUB_BATCH, Math.floor(budget / Math.max(1, bytes))));
          measuredFor = shape;
        }
        runs++;
        s += n;
        done += n;
        o.onProgress?.(done, source.samples);
      }
      next = fileBatches.next();
    }
    const ranges = new Map<string, TensorRange>();
    // The graph input keeps its observed range whatever the method: clipping the data itself
    // loses what no later layer can recover (entropy clipped the 8x8 digits' strokes at the
    // background level and cost a trained resnet50 17 points of top-1).
    for (const [t, st] of stats) ranges.set(t, rangeOf(st, { method: inputs.has(t) ? 'minmax' : method, ...(o.percentile !== undefined ? { percentile: o.percentile } : {}) }));
    return { ranges, samples: done, runs, subBatch, sha256: next.value, ms: performance.now() - t0 };
  } finally {
    await releaseSession(session);
  }
}

/** One run; folds each fetched tensor into its statistics; returns the bytes the fetched outputs took. */
async function runOnce(session: Session, data: Float32Array, dims: readonly number[], fetch: readonly string[], stats: Map<string, RangeStats>, file: string): Promise<number> {
  let out: ort.InferenceSession.ReturnType;
  try {
    out = await session.run({ [session.inputNames[0]!]: inputTensor(session, data, dims) }, [...fetch]);
  } catch (e) {
    throw new NetforgeError({
      code: 'E_ORT_RUN',
      message: `onnxruntime failed to run the float model on calibration data from ${file}: ${(e as Error).message}`,
      file,
      hint: `the batch had shape [${dims.join(', ')}]`,
    });
  }
  let bytes = 0;
  for (const name of fetch) {
    const t = out[name]!;
    const v = t.data as Float32Array;
    bytes += v.byteLength;
    for (let i = 0; i < v.length; i++) {
      if (Number.isFinite(v[i]!)) continue;
      throw new NetforgeError({
        code: 'E_CALIBRATION_NONFINITE',
        message: `the float model computes ${v[i]} in ${name} on calibration data from ${file}`,
        file,
        hint: 'the weights overflow on this input: check the weights and the preprocessing of the data',
      });
    }
    addValues(stats.get(name)!, v);
  }
  return bytes;
}
