/**
 * `netforge export triton` as a library call: compile a model definition, then write it as one
 * version of a model in a Triton repository (src/backends/triton/export.ts: config.pbtxt,
 * model.onnx, labels, KServe manifest; checked and run in onnxruntime before anything is
 * committed).
 */
import type { Graph } from './ir/types.js';
import type { ModelDefinition } from './dsl/model.js';
import { compile, type CompileOptions, type CompiledModel } from './compile.js';
import { prepareTritonExport, writeTritonExport, type PreparedExport, type TritonExport, type TritonExportOptions } from './backends/triton/export.js';
import type { QuantizeModelOptions } from './quantize.js';

export interface ExportTritonOptions extends TritonExportOptions {
  readonly compile?: CompileOptions;
  /** Quantize the compiled model to int8 (QDQ) before exporting it: calibration inputs and options as quantizeModel takes them. */
  readonly quantize?: QuantizeModelOptions;
}

/**
 * Concrete shapes for the graph's inputs (batch 1), for warmup samples and runs of inputs with
 * symbolic dims: fixed dims as they are, the first symbolic dim 1, others from `input` ([C, H, W]).
 */
export function referenceShapes(g: Graph, input: readonly number[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const id of g.inputs) {
    const shape = g.values.get(id)?.shape ?? [];
    const dims = shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : input[i - 1]));
    if (dims.every((d): d is number => d !== undefined)) out[id] = dims;
  }
  return out;
}

/**
 * Compile `def` (and quantize it, with `quantize`) and write it into a Triton repository. Bad options are refused before compiling
 * (`prepared`: what prepareTritonExport(o) returned, for a caller that checked them earlier).
 */
export async function exportTriton(def: ModelDefinition, o: ExportTritonOptions, prepared: PreparedExport = prepareTritonExport(o)): Promise<TritonExport & { readonly compiled: CompiledModel }> {
  const float = compile(def, o.compile ?? {});
  // calibration runs the model: onnxruntime-node loads with quantize.js only when asked for
  const compiled = o.quantize !== undefined ? await (await import('./quantize.js')).quantizeModel(float, o.quantize) : float;
  const seed = o.seed ?? o.compile?.seed;
  const written = await writeTritonExport(compiled.graph, { ...o, ...(seed !== undefined ? { seed } : {}) }, referenceShapes(compiled.graph, compiled.source.referenceInput), prepared);
  return { ...written, compiled };
}
