/**
 * The compiler pipeline as a library call: build the model's IR from its definition,
 * then run the passes (shape inference, structural verification, parameter init, ...)
 * under the pass manager.
 */
import type { Graph } from './ir/types.js';
import { buildModel, expectationsFor, type ModelDefinition, type ModelOptions } from './dsl/model.js';
import { runPasses, type PassTrace } from './passes/manager.js';
import type { Pass } from './passes/pass.js';
import { inferShapesPass } from './passes/inferShapes.js';
import { verifyStructurePass } from './passes/verifyStructure.js';
import { initParamsPass } from './passes/initParams.js';
import { analyze, type GraphStats } from './passes/analyze.js';

export interface CompileOptions extends ModelOptions {
  /** Seed for parameter initialization. Default 0. */
  readonly seed?: number;
  /** Dump the IR after these passes. */
  readonly printAfter?: readonly string[];
  readonly print?: (text: string) => void;
  /** Extra passes to run after the standard ones (before serialization). */
  readonly extraPasses?: readonly Pass[];
}

export interface CompiledModel {
  /** The graph as the model defines it (PyTorch's view: BatchNorm present), verified. */
  readonly source: GraphStats;
  /** The final graph, ready for a backend. */
  readonly graph: Graph;
  readonly stats: GraphStats;
  readonly trace: readonly PassTrace[];
}

/** The passes `compile` runs, in order, by name; --print-after accepts these. */
export function standardPasses(def: ModelDefinition, o: CompileOptions): Pass[] {
  return [inferShapesPass, verifyStructurePass(expectationsFor(def, o)), initParamsPass(o.seed ?? 0), ...(o.extraPasses ?? [])];
}

export function compile(def: ModelDefinition, o: CompileOptions = {}): CompiledModel {
  const built = buildModel(def, o);
  const source = analyze(built);
  const { graph, trace } = runPasses(built, standardPasses(def, o), {
    ...(o.printAfter ? { printAfter: o.printAfter } : {}),
    ...(o.print ? { print: o.print } : {}),
  });
  const stats = analyze(graph);
  const meta = new Map(graph.meta);
  meta.set('netforge.model', def.name);
  meta.set('netforge.params', String(source.params));
  meta.set('netforge.macs', String(source.macs));
  meta.set('netforge.depth', `${source.depth} (conv ${source.mainPath.conv} + linear ${source.mainPath.linear})`);
  meta.set('netforge.trainable_params', String(source.trainableParams));
  meta.set('netforge.frozen_params', String(source.frozenParams));
  if (o.seed !== undefined) meta.set('netforge.seed', String(o.seed));
  return { source, graph: { ...graph, meta }, stats, trace };
}
