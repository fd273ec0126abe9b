/** netforge's library API: the DSL for model files, the compiler, and the backends. */
export * from './dsl/index.js';
export * from './compile.js';
export { NetforgeError, formatError } from './errors.js';
export type * from './ir/types.js';
export { printGraph } from './ir/print.js';
export { verifyGraph } from './ir/verify.js';
export { analyze, type GraphStats, type LayerStat } from './passes/analyze.js';
export { runPasses } from './passes/manager.js';
export { writeOnnx, toOnnxBytes } from './backends/onnx/serialize.js';
export { ZOO } from './zoo/index.js';
