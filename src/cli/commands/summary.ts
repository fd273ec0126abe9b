/** netforge summary <model> [--depth 1|2|3] [--json] */
import type { Command } from '../command.js';
import type { Parsed } from '../args.js';
import { get, parseArgs, usageError } from '../args.js';
import { MODEL_FLAGS, modelOptionsFrom, resolveModel } from '../modelArgs.js';
import { buildModel, expectationsFor, type DefinedModel, type ModelExpectations } from '../../dsl/model.js';
import { runPasses } from '../../passes/manager.js';
import { inferShapesPass } from '../../passes/inferShapes.js';
import { verifyStructurePass } from '../../passes/verifyStructure.js';
import { analyze } from '../../passes/analyze.js';
import { describeModel, type ModelStructure } from '../../backends/report/structure.js';
import { summaryTable, type SummaryDepth } from '../../backends/report/summaryTable.js';
import { summaryJson } from '../../backends/report/summaryJson.js';
import type { CliIO } from '../command.js';
import type { Notice } from '../../weights/apply.js';
import { statePasses } from '../../weights/apply.js';
import { printNotices, weightsOptionsFrom } from '../weightsArgs.js';

const FLAGS = [
  ...MODEL_FLAGS,
  { name: '--depth', type: 'int', help: 'table rows: 1 stem/stages/head, 2 + blocks, 3 + every layer (default 2)' },
  { name: '--json', type: 'bool', help: 'machine-readable output (every layer, stages and blocks)' },
] as const;

export interface VerifiedModel {
  readonly def: DefinedModel;
  readonly structure: ModelStructure;
  readonly expectations: ModelExpectations;
  /** Where --weights came from, when given (they were checked against the model). */
  readonly weights?: string;
}

/**
 * Resolve the model named on the command line, build it with the model flags, infer shapes
 * and verify its declared expectations (a mismatch is an E_EXPECTATION error).
 */
export async function verifiedModelFrom(p: Parsed, command: string, io?: CliIO): Promise<VerifiedModel> {
  if (p.positionals.length > 1) throw usageError(`netforge ${command} takes one model, got ${p.positionals.join(' ')}`);
  const def = await resolveModel(p.positionals[0], command);
  const opts = modelOptionsFrom(p, def);
  const expectations = expectationsFor(def, opts);
  // --weights are loaded strictly (a mismatch fails), --freeze-backbone shows in the trainable/frozen counts.
  const w = await weightsOptionsFrom(p, def, io);
  const notice = (n: Notice): void => (io !== undefined ? printNotices([n], io) : undefined);
  const { graph } = runPasses(buildModel(def, opts), [inferShapesPass, verifyStructurePass(expectations), ...statePasses(def, { ...opts, ...w }, undefined, notice)]);
  return { def, structure: describeModel(graph, analyze(graph)), expectations, ...(w.weights !== undefined ? { weights: w.weights.source } : {}) };
}

function depthFrom(p: Parsed): SummaryDepth {
  const d = get.num(p, 'depth') ?? 2;
  if (d !== 1 && d !== 2 && d !== 3) throw usageError(`--depth must be 1, 2 or 3, got ${d}`, '1: stem, stages, head; 2: + blocks; 3: + every layer');
  return d;
}

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'table by stage/block/layer: shapes, kernels, params, MACs, main-path depth (verified against the model\'s expectations)',
  usage: 'netforge summary <model> [--depth 1|2|3] [options] [--json]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('summary', argv, FLAGS);
    const depth = depthFrom(p);
    const { def, structure, expectations, weights } = await verifiedModelFrom(p, 'summary', io);
    if (get.bool(p, 'json')) {
      io.out(JSON.stringify(summaryJson(structure, expectations), null, 2));
      return 0;
    }
    io.out(
      summaryTable(structure, {
        depth,
        width: 100,
        color: io.color ?? false,
        expectations,
        ...(def.description !== undefined ? { description: def.description } : {}),
      }),
    );
    if (weights !== undefined) io.out(`Weights: ${weights} (names and shapes checked)`);
    return 0;
  },
};
