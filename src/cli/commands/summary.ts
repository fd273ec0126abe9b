/** netforge summary <model> [--depth 1|2|3] [--json] */
import type { Command } from '../command.js';
import { get, parseArgs } from '../args.js';
import { DEPTH_FLAG, depthFrom } from '../depthArgs.js';
import { MODEL_FLAGS, modelFromArgs } from '../modelArgs.js';
import { inspectModel } from '../../inspect.js';
import { summaryTable } from '../../backends/report/summaryTable.js';
import { summaryJson } from '../../backends/report/summaryJson.js';
import { printNotices } from '../weightsArgs.js';
import { QUANTIZE_PLAN_FLAGS, quantizePlanFrom } from '../quantizeArgs.js';
import { int8Rows, type Int8Summary } from '../../backends/report/quantSummary.js';

const FLAGS = [
  ...MODEL_FLAGS,
  ...QUANTIZE_PLAN_FLAGS,
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
    const q = quantizePlanFrom(p);
    // --quantize int8: what the int8 model would be (compiled and planned, not calibrated)
    const int8 = q !== undefined ? await (await import('../int8Compile.js')).int8Plan(def, options, q) : undefined;
    if (get.bool(p, 'json')) {
      io.out(JSON.stringify({ ...summaryJson(m.structure, m.expectations), ...(int8 ? { int8 } : {}) }, null, 2));
      return 0;
    }
    const description = def.description !== undefined ? { description: def.description } : {};
    io.out(summaryTable(m.structure, { depth, width: 100, color: io.color ?? false, expectations: m.expectations, ...description }));
    if (m.weights !== undefined) io.out(`Weights: ${m.weights} (names and shapes checked)`);
    if (int8 !== undefined) for (const line of int8Lines(int8, 100)) io.out(line);
    return 0;
  },
};

/** The int8 rows under the totals, wrapped at spaces to `width` columns (continuations under the value). */
function int8Lines(s: Int8Summary, width: number): string[] {
  const LABEL = 22;
  const out: string[] = [];
  for (const [k, v] of int8Rows(s)) {
    let label = (k === 'int8' ? 'Int8 (--quantize)' : `  ${k}`).padEnd(LABEL);
    let line = '';
    for (const word of v.split(' ')) {
      if (line !== '' && LABEL + line.length + 1 + word.length > width) {
        out.push(label + line);
        label = ' '.repeat(LABEL);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(label + line);
  }
  return out;
}
