/** netforge compile <model> -o out.onnx [--no-fold-bn] [--check] */
import { basename, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { flagHelp, get, parseArgs, usageError, type FlagSpec, type Parsed } from '../args.js';
import type { PassTrace } from '../../passes/manager.js';
import type { Notice } from '../../pipeline/weights.js';
import { MODEL_FLAGS, modelFromArgs } from '../modelArgs.js';
import { compile, type CompileOptions } from '../../compile.js';
import { checkFolding } from '../../checkFolding.js';
import { loadOrt } from '../../backends/ort/ort.js';
import { DTYPE_FLAG, dtypeFrom } from '../dtypeArgs.js';
import { writeOnnx } from '../../backends/onnx/serialize.js';
import { printGraph } from '../../ir/print.js';
import { int, macsFormulaText, mib, outputLines, shapeStr, si, sizesText } from '../../backends/report/format.js';
import { printNotices } from '../weightsArgs.js';
import type { NamedOutput } from '../../io/collisions.js';
import type { OutputFile } from '../../io/atomicWrite.js';
import { dataFilePattern, isDataFileOf } from '../../backends/onnx/externalData.js';
import { checkOutputs, importedSources, modelInputs } from '../outputChecks.js';
import { QUANTIZE_CHECK_FLAGS, QUANTIZE_FLAGS, checkQuantizeCompat, quantizePlanFrom, strayNpy } from '../quantizeArgs.js';
import { quantizedParamCount } from '../../backends/onnx/qdq.js';
import { resolveInputSpec } from '../../dsl/inputSpec.js';
import { printKeptBatchNorms, printRemoved, printSaturatedBiases } from '../passNotes.js';

/** The flags that decide what the compiled model is; every command that writes a model takes them (export triton too). */
export const COMPILE_FLAGS: readonly FlagSpec[] = [
  ...MODEL_FLAGS,
  { name: '--fold-bn', type: 'bool', help: 'fold BatchNorm into convolutions (default on; --no-fold-bn keeps BatchNormalization nodes)' },
  { name: '--randomize-bn', type: 'bool', help: 'give BatchNorm random running statistics and affine params, for testing folding; seeded' },
  { name: '--opset', type: 'int', help: 'ONNX opset, 11..21 (default 17)' },
  DTYPE_FLAG,
  { name: '--external-data', type: 'bool', help: 'store tensors in <out>.<hash>.data beside the model (automatic above 2 GiB)' },
  ...QUANTIZE_FLAGS,
];

/** The compile options COMPILE_FLAGS give, on top of the model's (modelFromArgs). */
export function compileOptionsFrom(p: Parsed, model: CompileOptions, io: CliIO, quiet: boolean): { readonly options: CompileOptions; readonly opset?: number; readonly externalData: boolean } {
  const randomize = get.bool(p, 'randomize-bn');
  const opset = get.num(p, 'opset');
  const options: CompileOptions = {
    ...model,
    foldBatchNorm: get.bool(p, 'fold-bn') ?? true,
    dtype: dtypeFrom(p) ?? 'float32',
    ...(randomize !== undefined ? { randomizeBatchNorm: randomize } : {}),
    onNotice: (n: Notice) => printNotices([n], io, quiet),
  };
  return { options, ...(opset !== undefined ? { opset } : {}), externalData: get.bool(p, 'external-data') ?? false };
}

const FLAGS = [
  { name: '--output', alias: '-o', type: 'string', help: 'where to write the ONNX model (required unless --check)' },
  ...COMPILE_FLAGS,
  { name: '--check', type: 'bool', help: 'run the optimized and the unoptimized graph in onnxruntime on a seeded batch of 2 and fail if they differ (max rel diff > 1e-5)' },
  { name: '--emit-ts', type: 'string', help: 'also write a typed TypeScript module for the compiled model (its load(model.onnx) runs it through netforge/runtime and onnxruntime-node)' },
  { name: '--print-ir', type: 'bool', help: 'print the final IR as text' },
  { name: '--print-after', type: 'string', repeat: true, help: 'print the IR after this pass (repeatable; * for all)' },
  { name: '--trace-passes', type: 'bool', help: 'list what each pass changed' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print only errors' },
  ...QUANTIZE_CHECK_FLAGS,
] as const satisfies readonly FlagSpec[];

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a model to ONNX (verified, with seeded or loaded weights)',
  usage: 'netforge compile <model> -o out.onnx [options]   |   netforge compile <model> --check [options]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('compile', argv, FLAGS);
    strayNpy(p.positionals, 'compile');
    const out = get.str(p, 'output');
    const check = get.bool(p, 'check') ?? false;
    // Without -o, compile can still be run to look at it: --check, --print-ir, --print-after, --trace-passes.
    const inspects = check || get.bool(p, 'print-ir') === true || get.list(p, 'print-after') !== undefined || get.bool(p, 'trace-passes') === true;
    if (out === undefined && !inspects) {
      throw usageError('netforge compile needs -o <file.onnx> (or --check, --print-ir, --print-after PASS, --trace-passes to look without writing a file)', 'e.g. netforge compile resnet50 -o resnet50.onnx');
    }
    const q = quantizePlanFrom(p);
    checkQuantizeCompat(p, q);
    const emitTs = get.str(p, 'emit-ts');
    if (emitTs !== undefined && out === undefined) throw usageError('--emit-ts needs -o <file.onnx>: the module loads that file');
    // Every output is checked before the work: no compile that fails at the end, no output that overwrites an input or another output.
    const outputs: NamedOutput[] = [
      ...(out !== undefined ? [{ what: '-o', path: out, siblings: isDataFileOf, siblingsWhat: `its external data files (${dataFilePattern(basename(out))})` }] : []),
      ...(emitTs !== undefined ? [{ what: '--emit-ts', path: emitTs }] : []),
    ];
    const inputs = await modelInputs(p, p.positionals[0]);
    checkOutputs(inputs, outputs);
    const quiet = get.bool(p, 'quiet') ?? false;
    // before the work: a check that cannot run should not cost a compile first
    if (q !== undefined) loadOrt('compile --quantize int8 (calibration runs the model)');
    else if (check) loadOrt('compile --check');
    const { def, options } = await modelFromArgs(p, 'compile', io, quiet);
    checkOutputs([...inputs, ...importedSources()], outputs);
    const compiled = compileOptionsFrom(p, options, io, quiet);
    const { opset, externalData } = compiled;
    const fold = compiled.options.foldBatchNorm ?? true;
    const dtype = compiled.options.dtype ?? 'float32';
    // int8: the calibration (and --check) inputs are checked against the model input before compiling.
    const int8 = q !== undefined ? await import('../int8Compile.js') : undefined;
    const int8Inputs = int8 !== undefined ? await int8.openInt8Inputs(p, def, resolveInputSpec(def, options), options.seed ?? 0, check, io) : undefined;
    if (int8 !== undefined && int8Inputs !== undefined) checkOutputs([...inputs, ...importedSources(), ...int8.int8InputFiles(int8Inputs)], outputs);
    const printAfter = get.list(p, 'print-after');
    // 'quantize' runs after compile(): the float pipeline's --print-after list leaves it out.
    const floatPrintAfter = q !== undefined ? printAfter?.filter((x) => x !== 'quantize') : printAfter;
    const o = { ...compiled.options, ...(floatPrintAfter ? { printAfter: floatPrintAfter, print: io.out } : {}) };
    const t0 = performance.now();
    let c = compile(def, o);
    let int8Text: string[] = [];
    let saturated: readonly { readonly name: string; readonly values: number }[] = [];
    if (int8 !== undefined && q !== undefined && int8Inputs !== undefined) {
      const r = await int8.quantizeCompiled(c, def.name, q, int8Inputs, io, quiet, printAfter ? { printAfter } : undefined);
      c = r.model;
      saturated = r.model.saturatedBiases;
      if (check) await int8.checkInt8(r.model, def.name, int8Inputs, p, options.weights !== undefined, io, quiet);
      int8Text = int8.int8SummaryText(int8.int8Summary(r.model, q, r.reduceRange, r.reduceRangeWhy));
    } else if (check) {
      const { randomized, result, runs } = await checkFolding(def, o, { compiled: c });
      const { assertCheckPassed, formatCompare } = await import('../../backends/ort/compare.js');
      if (!quiet || !result.passed) {
        io.out(`check ${def.name}: ${fold ? 'folded' : 'optimized'} vs unfolded${randomized ? ', BatchNorm statistics randomized' : ''}`);
        for (const r of runs) io.out(formatCompare(r.result));
      }
      assertCheckPassed(result, def.name);
    }
    if (out === undefined) {
      if (get.bool(p, 'print-ir')) io.out(printGraph(c.graph));
      printTrace(c.trace, p, io);
      return 0;
    }
    const companions: OutputFile[] = [];
    if (emitTs !== undefined) {
      // ts-morph takes ~0.4 s to load: only when asked for
      const { typedWrapperSource } = await import('../../backends/typescript/wrapper.js');
      const text = typedWrapperSource({ path: resolve(emitTs), onnxPath: resolve(out), graph: c.graph, stats: c.source, modelName: def.name, command: `netforge compile ${argv.join(' ')}` });
      companions.push({ path: emitTs, chunks: text });
    }
    // the model, its data and its wrapper are committed together or not at all
    const written = writeOnnx(resolve(out), c.graph, { ...(opset !== undefined ? { opset } : {}), externalData, companions });
    const ms = performance.now() - t0;
    if (get.bool(p, 'print-ir')) io.out(printGraph(c.graph));
    printTrace(c.trace, p, io);
    if (quiet) return 0;
    printKeptBatchNorms(c.trace, io);
    printSaturatedBiases(saturated, io);
    const s = c.source;
    const f = c.stats;
    // The ONNX file's ops: int8 weights and int32 biases each add a DequantizeLinear there.
    const fileOps = { ...f.ops, ...(q !== undefined ? { DequantizeLinear: (f.ops['DequantizeLinear'] ?? 0) + quantizedParamCount(c.graph) } : {}) };
    const ops = Object.entries(fileOps).map(([k, v]) => `${k} ${v}`).join(', ');
    printRemoved(c.trace, io);
    io.out(`compiled ${def.name} -> ${out} (${mib(written.bytes)}${written.externalPath ? ` + ${mib(written.externalBytes ?? 0)} in ${written.externalPath}` : ''}, opset ${opset ?? 17})`);
    io.out(`  params   ${int(s.params)}${f.params !== s.params ? ` (${int(f.params)} in the ONNX graph)` : ''}`);
    if (options.weights !== undefined) io.out(`  weights  ${options.weights.source}`);
    if (s.frozenParams > 0) io.out(`  frozen   ${int(s.frozenParams)} params (backbone); ${int(s.trainableParams)} trainable`);
    // MACs and depth of the graph written (with --outputs, the classifier is not in it)
    const sizes = sizesText(f);
    if (sizes !== '') io.out(`  input    ${c.graph.inputs[0]} ${shapeStr(f.inputShape)}: ${sizes}`);
    io.out(`  MACs     ${int(f.macs)} (${si(f.macs)}) at ${f.referenceInput.join('x')}`);
    const formula = macsFormulaText(f);
    if (formula !== undefined) io.out(`           = ${formula}`);
    io.out(`  depth    ${f.depth} = ${f.mainPath.conv} conv + ${f.mainPath.linear} linear on the main path; ${f.shortcutProjections} shortcut projections`);
    outputLines(f).forEach((l, i) => io.out(`  ${i === 0 ? (f.outputs.length > 1 ? 'outputs ' : 'output  ') : '        '} ${l}`));
    io.out(`  ops      ${ops}`);
    if (dtype === 'float16') io.out('  dtype    float16 (weights and compute; input and output stay float32)');
    for (const line of int8Text) io.out(line);
    if (emitTs !== undefined) io.out(`  typed    ${emitTs}`);
    io.out(`  time     ${(ms / 1000).toFixed(2)} s`);
    return 0;
  },
};

/** What select-outputs left out (the classifier of a backbone), as a note on stderr. */
function printTrace(trace: readonly PassTrace[], p: Parsed, io: CliIO): void {
  if (!get.bool(p, 'trace-passes')) return;
  for (const t of trace) {
    io.out(`pass ${t.pass}: ${t.changed ? 'changed' : 'unchanged'} (${t.ms.toFixed(1)} ms)`);
    for (const n of t.notes) io.out(`  ${n}`);
  }
}

export const compileHelp = (): string => `${compileCommand.usage}\n\n${flagHelp(FLAGS)}`;
