/** netforge summary <model> [--depth 1|2|3] [--json] */
import type { Command } from '../command.js';
import { get, parseArgs } from '../args.js';
import { DEPTH_FLAG, depthFrom } from '../depthArgs.js';
import { MODEL_FLAGS, modelFromArgs } from '../modelArgs.js';
import { inspectModel } from '../../inspect.js';
import { summaryTable } from '../../backends/report/summaryTable.js';
import { summaryJson } from '../../backends/report/summaryJson.js';
import { printNotices } from '../weightsArgs.js';

const FLAGS = [
  ...MODEL_FLAGS,
  DEPTH_FLAG,
  { name: '--json', type: 'bool', help: 'machine-readable output (every layer, stages and blocks)' },
] as const;

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'table by stage/block/layer: shapes, kernels, params, MACs, main-path depth (verified against the model\'s expectations)',
  usage: 'netforge summary <model> [--depth 1|2|3] [options] [--json]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('summary', argv, FLAGS);
    const depth = depthFrom(p);
    const { def, options } = await modelFromArgs(p, 'summary', io);
    const m = inspectModel(def, { ...options, onNotice: (n) => printNotices([n], io) });
    if (get.bool(p, 'json')) {
      io.out(JSON.stringify(summaryJson(m.structure, m.expectations), null, 2));
      return 0;
    }
    const description = def.description !== undefined ? { description: def.description } : {};
    io.out(summaryTable(m.structure, { depth, width: 100, color: io.color ?? false, expectations: m.expectations, ...description }));
    if (m.weights !== undefined) io.out(`Weights: ${m.weights} (names and shapes checked)`);
    return 0;
  },
};
