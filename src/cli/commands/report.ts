/** netforge report <model> -o report.html [--svg] [--expand] */
import { extname, resolve } from 'node:path';
import type { Command } from '../command.js';
import { get, parseArgs, usageError } from '../args.js';
import { MODEL_FLAGS, modelFromArgs } from '../modelArgs.js';
import { QUANTIZE_PLAN_FLAGS, quantizePlanFrom } from '../quantizeArgs.js';
import { inspectModel } from '../../inspect.js';
import { printNotices } from '../weightsArgs.js';
import { reportHtml } from '../../backends/report/html.js';
import { diagramSvg } from '../../backends/report/diagram.js';
import { atomicWriteFileSync } from '../../io/atomicWrite.js';
import { NETFORGE_VERSION } from '../../version.js';
import { checkOutputs, importedSources, modelInputs } from '../outputChecks.js';
import { int, si } from '../../backends/report/format.js';

const FLAGS = [
  { name: '--output', alias: '-o', type: 'string', help: 'where to write the report (.html, or .svg with --svg) (required)' },
  { name: '--svg', type: 'bool', help: 'write only the architecture diagram, as a standalone SVG (the default when -o ends in .svg)' },
  { name: '--expand', type: 'bool', help: 'draw every block: no collapsed runs of identical blocks (a static SVG cannot open them)' },
  ...MODEL_FLAGS,
  ...QUANTIZE_PLAN_FLAGS,
] as const;

export const reportCommand: Command = {
  name: 'report',
  summary: 'a self-contained HTML report: stage table, architecture diagram, params/MACs per stage',
  usage: 'netforge report <model> -o report.html [--svg] [--expand] [options]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('report', argv, FLAGS);
    const out = get.str(p, 'output');
    // The file name decides when --svg is not given (-o arch.svg writes the diagram); a contradiction is a usage error.
    const svgFlag = get.bool(p, 'svg');
    const ext = out !== undefined ? extname(out).toLowerCase() : '';
    if (svgFlag === true && out !== undefined && (ext === '.html' || ext === '.htm')) throw usageError(`--svg writes an SVG diagram, but -o ${out} names an HTML file`, `use -o ${out.slice(0, -ext.length)}.svg, or drop --svg for the HTML report`);
    if (svgFlag === false && ext === '.svg') throw usageError(`-o ${out} names an SVG file, but --no-svg asks for the HTML report`, 'use -o report.html, or drop --no-svg');
    const svg = svgFlag ?? ext === '.svg';
    if (out === undefined) {
      throw usageError('netforge report needs -o <file>', svg ? 'e.g. netforge report resnet50 --svg -o resnet50.svg' : 'e.g. netforge report resnet50 -o resnet50.html');
    }
    const inputs = await modelInputs(p, p.positionals[0]);
    checkOutputs(inputs, [{ what: '-o', path: out }]);
    const { def, options } = await modelFromArgs(p, 'report', io);
    checkOutputs([...inputs, ...importedSources()], [{ what: '-o', path: out }]);
    const { structure, expectations } = inspectModel(def, { ...options, onNotice: (n) => printNotices([n], io) });
    const q = quantizePlanFrom(p);
    const int8 = q !== undefined ? await (await import('../int8Compile.js')).int8Plan(def, options, q) : undefined;
    const description = def.description !== undefined ? { description: def.description } : {};
    const layout = get.bool(p, 'expand') ? { collapseAt: Infinity } : {};
    const text = svg
      ? diagramSvg(structure, { expectations, ...description, ...layout })
      : reportHtml(structure, { expectations, generator: `netforge ${NETFORGE_VERSION}`, ...description, ...layout, ...(int8 ? { int8 } : {}) });
    atomicWriteFileSync(resolve(out), text);
    const s = structure.stats;
    io.out(`wrote ${svg ? 'diagram' : 'report'} for ${def.name} -> ${out} (${int(Buffer.byteLength(text))} bytes)`);
    io.out(`  depth ${s.depth} = ${s.mainPath.conv} conv + ${s.mainPath.linear} linear; ${int(s.params)} params; ${si(s.macs)} MACs`);
    return 0;
  },
};
