/**
 * inspectModel: what `summary` and `report` show, as a library call. The model is built,
 * its shapes inferred, its declared expectations verified and its weights (when given)
 * checked against it by the same front passes compile() runs; nothing is initialized,
 * folded or written.
 */
import type { Graph } from './ir/types.js';
import { buildModel, expectationsFor, type ModelDefinition, type ModelExpectations } from './dsl/model.js';
import { runPasses } from './passes/manager.js';
import { analyze, type GraphStats } from './passes/analyze.js';
import { describeModel, type ModelStructure } from './backends/report/structure.js';
import { frontPasses, withInChans, type CompileOptions } from './compile.js';
import type { Notice } from './pipeline/weights.js';

/** The model options, weights, freezing and seed of compile(); the rest of CompileOptions is ignored. */
export type InspectOptions = Pick<CompileOptions, 'numClasses' | 'replaceStrideWithDilation' | 'zeroInitResidual' | 'input' | 'auxLoss' | 'allowUnusedOptions' | 'weights' | 'strictWeights' | 'freezeBackbone' | 'seed' | 'onNotice' | 'weightsKeys' | 'inChans'>;

export interface InspectedModel {
  readonly def: ModelDefinition;
  /** The model as defined (BatchNorm present), shapes inferred and verified. */
  readonly graph: Graph;
  readonly stats: GraphStats;
  /** Stem, stages of blocks and head, for tables and diagrams. */
  readonly structure: ModelStructure;
  /** What the model declares it must be (all of it verified). */
  readonly expectations: ModelExpectations;
  /** Where the weights came from, when given (names and shapes were checked). */
  readonly weights?: string;
  readonly notices: readonly Notice[];
}

/** What `netforge summary` and `report` show: the model built and verified, its structure and statistics (format it with summaryTable, summaryJson or reportHtml). */
export function inspectModel(def: ModelDefinition, options: InspectOptions = {}): InspectedModel {
  const o = withInChans(def, options);
  const notices: Notice[] = [];
  const notice = (n: Notice): void => {
    notices.push(n);
    o.onNotice?.(n);
  };
  const { graph } = runPasses(buildModel(def, o), frontPasses(def, o, undefined, notice));
  const stats = analyze(graph);
  const source = o.weights === undefined ? undefined : typeof o.weights === 'string' ? o.weights : 'source' in o.weights ? o.weights.source : o.weights.file;
  return {
    def,
    graph,
    stats,
    structure: describeModel(graph, stats),
    expectations: expectationsFor(def, o),
    ...(source !== undefined ? { weights: source } : {}),
    notices,
  };
}
