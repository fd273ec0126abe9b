/**
 * netforge's library API: describe a network in the DSL (or take one from the zoo), compile
 * it to a verified graph, write it as ONNX (and a typed TypeScript module), and run it in
 * onnxruntime-node. docs/api.md walks through it; docs/api/ is the reference.
 *
 * ```ts
 * import { compile, writeOnnx, zoo } from 'netforge';
 * const c = compile(zoo.resnet50, { numClasses: 10 });
 * writeOnnx('resnet50.onnx', c.graph);
 * ```
 *
 * Importing netforge loads no native code: onnxruntime-node (an optional peer dependency)
 * is loaded by the functions that run a model (openModel, createProviderSession,
 * checkFolding, benchModel, diagnose), which throw E_ORT_MISSING when it is not installed.
 * Every error a caller can cause is a NetforgeError with a stable `code`, a `hint`, and
 * where: `loc` (the user's file:line), `modulePath`, `file`.
 *
 * @module netforge
 */

// Models: the DSL, the zoo, model files
export * from './dsl/index.js';
export { zoo, ZOO, type ZooName } from './zoo/index.js';
export { loadModelFile, type LoadModelFileOptions } from './modelFile/loadModelFile.js';
export { resolveModel } from './modelFile/resolveModel.js';
export type { TypeCheckResult, TypeDiagnostic } from './modelFile/typeCheck.js';

// Compiling and inspecting
export * from './compile.js';
export { inspectModel, type InspectOptions, type InspectedModel } from './inspect.js';
export { diffModels, type DiffInput, type ModelDiff, type DiffRow, type TotalsDiff, type WeightsCompat } from './diff.js';
export { checkFolding, FLOAT16_TOLERANCE, type CheckFoldingOptions, type FoldingCheck } from './checkFolding.js';
export type { CompareResult, OutputDiff } from './backends/ort/compare.js';
export { analyze, type GraphStats, type LayerStat } from './passes/analyze.js';
export { runPasses, type PassTrace, type RunPassesOptions, type RunPassesResult } from './passes/manager.js';
export type { Pass, PassContext } from './passes/pass.js';
export { toFloat16Pass, toFloat16, type ToFloat16Options } from './passes/toFloat16.js';
export type * from './ir/types.js';
export { printGraph } from './ir/print.js';
export { verifyGraph } from './ir/verify.js';
export { summaryTable, type SummaryDepth, type SummaryOptions } from './backends/report/summaryTable.js';
export { summaryJson, type SummaryJson } from './backends/report/summaryJson.js';
export { reportHtml, type ReportOptions } from './backends/report/html.js';
export { diffText, type DiffTextOptions } from './backends/report/diffText.js';
export { diffJson, type DiffJson } from './backends/report/diffJson.js';
export { diffHtml, type DiffHtmlOptions } from './backends/report/diffHtml.js';
export type { ModelStructure } from './backends/report/structure.js';

// Outputs
export { writeOnnx, toOnnxBytes, type OnnxEmitOptions, type WrittenOnnx } from './backends/onnx/serialize.js';
export { emitTypedWrapper, typedWrapperSource, type TypedWrapperOptions } from './typedWrapper.js';

// Weights
export { readWeights, writeSafetensors, readNpy, writeNpy, type StateDict, type WeightTensor } from './weights/index.js';
export { resolveWeights, type ResolveWeightsOptions } from './weights/resolve.js';
export { download, cacheDirFor, type Downloaded, type DownloadOptions } from './weights/download.js';
export { TORCHVISION_WEIGHTS, torchvisionWeights, type TorchvisionVariant } from './weights/torchvision.js';
export type { Notice, WeightsInput, WeightsOption } from './pipeline/weights.js';

// int8 quantization (calibration runs the model: onnxruntime-node, loaded on first use)
export { quantizeModel, type QuantizeModelOptions, type QuantizedModel, type CalibrationRecord } from './quantize.js';
export { quantize, quantizePass, type QuantizeOptions, type TensorRange } from './passes/quantize.js';
export { planQuantization, int8Footprint, type QuantizePlan, type FloatLayer } from './passes/quantizePlan.js';
export { openInputFiles, syntheticInputs, type InputSource } from './backends/ort/calibrationSet.js';
export { checkQuantized, type QuantCheckResult, type QuantCheckThresholds } from './backends/ort/quantCheck.js';

// Serving: Triton model repositories
export { exportTriton, referenceShapes, type ExportTritonOptions } from './exportTriton.js';
export { checkRepository, type RepoCheck, type RepoDiagnostic } from './backends/triton/check.js';

// Running (onnxruntime-node, loaded on first use)
export * from './runtime.js';
export { createProviderSession, parseEp, planProviders, providerFacts, PROVIDERS, type EpRequest, type ProviderName, type ProviderSession, type ProviderSessionOptions } from './backends/ort/providers.js';
export { benchModel, type BenchOptions, type BenchReport, type BatchFigures } from './backends/ort/bench.js';
export { diagnose, type Diagnosis } from './backends/ort/probe.js';

// Errors
export { NetforgeError, formatError, isNetforgeError, type NetforgeErrorInit, type RelatedLocation } from './errors.js';
export { ERROR_CODES, type ErrorCode } from './errorCodes.js';
