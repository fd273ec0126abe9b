/**
 * The typed wrapper (`netforge compile --emit-ts`) as a library call. The generator is
 * loaded on first use: it brings in the TypeScript compiler API (ts-morph, ~0.4 s), which
 * nothing else in a compile needs.
 */
import type { TypedWrapperOptions } from './backends/typescript/wrapper.js';

export type { TypedWrapperOptions } from './backends/typescript/wrapper.js';

/**
 * Write a typed TypeScript module for a compiled model to `o.path` (atomically): its input
 * and output names and shapes as literal types, its metadata, and `load(model, { ep })`
 * running it through netforge/runtime.
 *
 * ```ts
 * const c = compile(zoo.cifar_resnet56);
 * writeOnnx('models/resnet56.onnx', c.graph);
 * await emitTypedWrapper({ path: 'src/resnet56.ts', onnxPath: 'models/resnet56.onnx', graph: c.graph, stats: c.source });
 * ```
 */
export async function emitTypedWrapper(o: TypedWrapperOptions): Promise<void> {
  (await import('./backends/typescript/wrapper.js')).emitTypedWrapper(o);
}

/** The typed module's text, without writing it. */
export async function typedWrapperSource(o: TypedWrapperOptions): Promise<string> {
  return (await import('./backends/typescript/wrapper.js')).typedWrapperSource(o);
}
