/** netforge summary <model> [--json] */
import type { Command } from '../command.js';
import { get, parseArgs, usageError } from '../args.js';
import { MODEL_FLAGS, modelOptionsFrom, resolveModel } from '../modelArgs.js';
import { buildModel } from '../../dsl/model.js';
import { runPasses } from '../../passes/manager.js';
import { inferShapesPass } from '../../passes/inferShapes.js';
import { verifyStructurePass } from '../../passes/verifyStructure.js';
import { expectationsFor } from '../../dsl/model.js';
import { analyze } from '../../passes/analyze.js';
import { summaryTable } from '../../backends/report/summaryTable.js';

const FLAGS = [...MODEL_FLAGS, { name: '--json', type: 'bool', help: 'machine-readable output' }] as const;

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'layer table, params, MACs, main-path depth (verified against the model\'s expectations)',
  usage: 'netforge summary <model> [options] [--json]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('summary', argv, FLAGS);
    if (p.positionals.length > 1) throw usageError(`netforge summary takes one model, got ${p.positionals.join(' ')}`);
    const def = await resolveModel(p.positionals[0], 'summary');
    const opts = modelOptionsFrom(p, def);
    const { graph } = runPasses(buildModel(def, opts), [inferShapesPass, verifyStructurePass(expectationsFor(def, opts))]);
    const s = analyze(graph);
    if (get.bool(p, 'json')) {
      io.out(
        JSON.stringify(
          {
            model: def.name,
            input: graph.values.get(graph.inputs[0]!)!.shape,
            params: s.params,
            trainableParams: s.trainableParams,
            frozenParams: s.frozenParams,
            macs: s.macs,
            depth: s.depth,
            mainPath: s.mainPath,
            shortcutProjections: s.shortcutProjections,
            ops: s.ops,
            output: s.output,
            layers: s.layers.map((l) => ({ name: l.name, module: l.module, op: l.op, outputShape: l.outputShape, params: l.params, macs: l.macs })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    io.out(summaryTable(def.name, s, { width: 100 }));
    return 0;
  },
};
