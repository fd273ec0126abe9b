/**
 * int8 quantization as a library call: a compiled float model (BatchNorm folded) ->
 * planned (which nodes run in int8, src/passes/quantizePlan.ts) -> calibrated in
 * onnxruntime on the given inputs (src/backends/ort/calibrate.ts) -> the quantize pass
 * under the pass manager (verified) -> a QDQ graph with `netforge.quantization` and
 * `netforge.calibration` in its metadata.
 */
import type { Graph } from './ir/types.js';
import type { CompiledModel } from './compile.js';
import { analyze } from './passes/analyze.js';
import { runPasses } from './passes/manager.js';
import { planQuantization, type QuantizePlan } from './passes/quantizePlan.js';
import { quantizePass, type QuantizeOptions } from './passes/quantize.js';
import { calibrate, type CalibrationResult } from './backends/ort/calibrate.js';
import type { InputSource } from './backends/ort/calibrationSet.js';
import { DEFAULT_PERCENTILE, type CalibrationMethod } from './backends/ort/rangeStats.js';
import { NetforgeError } from './errors.js';
import { saturatedInt32 } from './ir/quant.js';

export const CALIBRATION_META = 'netforge.calibration';

export interface QuantizeModelOptions extends QuantizeOptions {
  readonly calibration: InputSource;
  /** Default 'minmax'. */
  readonly method?: CalibrationMethod;
  /** For 'percentile'. Default 99.999. */
  readonly percentile?: number;
  readonly memoryBudgetBytes?: number;
  /** Calibration progress: samples done of the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Dump the IR after these passes (only 'quantize' and '*' apply here). */
  readonly printAfter?: readonly string[];
  readonly print?: (text: string) => void;
}

/** What the metadata records about calibration. */
export interface CalibrationRecord {
  readonly method: CalibrationMethod;
  readonly percentile?: number;
  readonly samples: number;
  readonly source: string;
  readonly files?: number;
  readonly sha256: string;
}

export interface QuantizedModel extends CompiledModel {
  /** The float graph the int8 one was made from (for --check and bench). */
  readonly float: Graph;
  readonly plan: QuantizePlan;
  readonly calibration: CalibrationRecord & Pick<CalibrationResult, 'runs' | 'subBatch' | 'ms'>;
  /** int32 biases the quantize pass saturated (values beyond int32 at input scale x weight scale). */
  readonly saturatedBiases: readonly { readonly name: string; readonly values: number }[];
}

export async function quantizeModel(c: CompiledModel, o: QuantizeModelOptions): Promise<QuantizedModel> {
  const float = c.graph;
  if ([...float.values.values()].some((v) => v.dtype !== 'float32') || [...float.params.values()].some((p) => p.dtype !== 'float32')) {
    throw new NetforgeError({ code: 'E_USAGE', message: 'int8 quantization starts from a float32 model', hint: 'drop --dtype float16: --quantize int8 replaces it', exitCode: 2 });
  }
  const method = o.method ?? 'minmax';
  const percentile = o.percentile ?? DEFAULT_PERCENTILE;
  if (method === 'percentile' && !(percentile > 0 && percentile <= 100)) {
    throw new NetforgeError({ code: 'E_USAGE', message: `--calibration-percentile must be in (0, 100], got ${percentile}`, hint: 'e.g. 99.999 (the default) or 99.99', exitCode: 2 });
  }
  const plan = planQuantization(float, o);
  const cal = await calibrate(float, plan.calibrate, o.calibration, {
    method,
    percentile,
    ...(o.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: o.memoryBudgetBytes } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const record: CalibrationRecord = {
    method,
    ...(method === 'percentile' ? { percentile } : {}),
    samples: cal.samples,
    source: o.calibration.kind === 'synthetic' ? `synthetic N(0, 1), seed ${o.calibration.seed}` : 'files',
    ...(o.calibration.kind === 'files' ? { files: o.calibration.files.length } : {}),
    sha256: cal.sha256,
  };
  const { graph, trace } = runPasses(float, [quantizePass(cal.ranges, o)], {
    verifyInput: false,
    ...(o.printAfter ? { printAfter: o.printAfter.filter((p) => p === 'quantize' || p === '*') } : {}),
    ...(o.print ? { print: o.print } : {}),
  });
  const meta = new Map(graph.meta);
  meta.set(CALIBRATION_META, JSON.stringify(record));
  const out = { ...graph, meta };
  return {
    ...c,
    graph: out,
    stats: analyze(out),
    trace: [...c.trace, ...trace],
    float,
    plan,
    calibration: { ...record, runs: cal.runs, subBatch: cal.subBatch, ms: cal.ms },
    saturatedBiases: saturatedInt32(out.params.values()),
  };
}
