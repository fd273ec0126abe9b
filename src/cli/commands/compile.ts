/** netforge compile <model> -o out.onnx */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { flagHelp, get, parseArgs, usageError } from '../args.js';
import { MODEL_FLAGS, modelOptionsFrom, resolveModel } from '../modelArgs.js';
import { compile } from '../../compile.js';
import { writeOnnx } from '../../backends/onnx/serialize.js';
import { printGraph } from '../../ir/print.js';
import { int, mib, shapeStr, si } from '../../backends/report/format.js';

const FLAGS = [
  { name: '--output', alias: '-o', type: 'string', help: 'where to write the ONNX model (required)' },
  ...MODEL_FLAGS,
  { name: '--opset', type: 'int', help: 'ONNX opset, 11..21 (default 17)' },
  { name: '--external-data', type: 'bool', help: 'store tensors in <out>.data beside the model (automatic above 2 GiB)' },
  { name: '--print-ir', type: 'bool', help: 'print the final IR as text' },
  { name: '--print-after', type: 'string', repeat: true, help: 'print the IR after this pass (repeatable; * for all)' },
  { name: '--trace-passes', type: 'bool', help: 'list what each pass changed' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print only errors' },
] as const;

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a model to ONNX (verified, with seeded or loaded weights)',
  usage: 'netforge compile <model> -o out.onnx [options]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('compile', argv, FLAGS);
    if (p.positionals.length > 1) throw usageError(`netforge compile takes one model, got ${p.positionals.join(' ')}`);
    const out = get.str(p, 'output');
    if (out === undefined) throw usageError('netforge compile needs -o <file.onnx>', 'e.g. netforge compile resnet50 -o resnet50.onnx');
    const def = await resolveModel(p.positionals[0], 'compile');
    const opts = modelOptionsFrom(p, def);
    const seed = get.num(p, 'seed');
    const t0 = performance.now();
    const c = compile(def, {
      ...opts,
      ...(seed !== undefined ? { seed } : {}),
      ...(get.list(p, 'print-after') ? { printAfter: get.list(p, 'print-after')!, print: io.out } : {}),
    });
    const opset = get.num(p, 'opset');
    const written = writeOnnx(resolve(out), c.graph, { ...(opset !== undefined ? { opset } : {}), externalData: get.bool(p, 'external-data') ?? false });
    const ms = performance.now() - t0;
    if (get.bool(p, 'print-ir')) io.out(printGraph(c.graph));
    if (get.bool(p, 'trace-passes')) {
      for (const t of c.trace) {
        io.out(`pass ${t.pass}: ${t.changed ? 'changed' : 'unchanged'} (${t.ms.toFixed(1)} ms)`);
        for (const n of t.notes) io.out(`  ${n}`);
      }
    }
    if (get.bool(p, 'quiet')) return 0;
    const s = c.source;
    const f = c.stats;
    const ops = Object.entries(f.ops).map(([k, v]) => `${k} ${v}`).join(', ');
    io.out(`compiled ${def.name} -> ${out} (${mib(written.bytes)}${written.externalPath ? ` + ${mib(written.externalBytes ?? 0)} in ${written.externalPath}` : ''}, opset ${opset ?? 17})`);
    io.out(`  params   ${int(s.params)}${f.params !== s.params ? ` (${int(f.params)} in the ONNX graph)` : ''}`);
    io.out(`  MACs     ${int(s.macs)} (${si(s.macs)}) at ${(opts.input ?? def.input).join('x')}`);
    io.out(`  depth    ${s.depth} = ${s.mainPath.conv} conv + ${s.mainPath.linear} linear on the main path; ${s.shortcutProjections} shortcut projections`);
    io.out(`  output   ${c.graph.outputs[0]} ${shapeStr(f.output)}`);
    io.out(`  ops      ${ops}`);
    io.out(`  time     ${(ms / 1000).toFixed(2)} s`);
    return 0;
  },
};

export const compileHelp = (): string => `${compileCommand.usage}\n\n${flagHelp(FLAGS)}`;
