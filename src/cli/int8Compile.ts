/**
 * The int8 steps of `netforge compile --quantize int8` (and of bench's side-by-side run):
 * open the calibration (and --check) inputs before compiling, quantize the compiled model
 * with a progress bar, run the float-vs-int8 check, and the rows the summary prints.
 * onnxruntime loads only here, when --quantize is given.
 */
import { resolve } from 'node:path';
import type { CliIO } from './command.js';
import type { Parsed } from './args.js';
import { get, usageError } from './args.js';
import type { Dim } from '../ir/types.js';
import type { CompiledModel, CompileOptions } from '../compile.js';
import type { DefinedModel, InputDim } from '../dsl/model.js';
import type { InputSource } from '../backends/ort/calibrationSet.js';
import type { NamedFile } from '../io/collisions.js';
import type { QuantizedModel, QuantizeModelOptions } from '../quantize.js';
import { int8Footprint, planQuantization } from '../passes/quantizePlan.js';
import { schemeOf } from '../passes/quantize.js';
import { int8Rows, type Int8Summary } from '../backends/report/quantSummary.js';
import { calibrationFrom, calibrationProgress, calibrationSource, syntheticWarning, type CalibrationFlags, type QuantizeFlags } from './quantizeArgs.js';

export interface Int8Inputs {
  readonly flags: CalibrationFlags;
  readonly calibration: InputSource;
  /** Held-out inputs for --check, when asked for. */
  readonly check?: InputSource;
}

/** The model's preprocessing in words, for hints about calibration data. */
function preprocessingText(def: DefinedModel): string | undefined {
  const pp = def.preprocessing;
  if (pp === undefined) return undefined;
  return `${pp.colorSpace ?? 'RGB'} in [0, 1], minus mean (${pp.mean.join(', ')}), divided by std (${pp.std.join(', ')})`;
}

/** Open (and check) the calibration and --check inputs against the model input, before compiling. */
export async function openInt8Inputs(p: Parsed, def: DefinedModel, spec: { readonly input: readonly InputDim[]; readonly reference: readonly number[] }, seed: number, check: boolean, io: CliIO): Promise<Int8Inputs> {
  const flags = calibrationFrom(p);
  // symbolic sizes (H, W) take any size from files; synthetic inputs are drawn at the reference size
  const input: Dim[] = ['N', ...spec.input];
  const calibration = await calibrationSource(flags, input, seed, preprocessingText(def), spec.reference);
  if (!check) return { flags, calibration };
  const specs = get.list(p, 'check-data');
  const { openInputFiles, sharedFile, syntheticInputs } = await import('../backends/ort/calibrationSet.js');
  if (specs !== undefined) {
    const held = openInputFiles(specs, input, { flag: '--check-data' });
    const shared = calibration.kind === 'files' ? sharedFile(held.files, calibration.files) : undefined;
    if (shared !== undefined) {
      const what = shared.copy ? `holds the same bytes as ${shared.used.shown} of --calibration` : `is in --calibration too${shared.used.shown !== shared.held.shown ? ` (as ${shared.used.shown})` : ''}`;
      throw usageError(`--check-data must be held out from the calibration set, but ${shared.held.shown} ${what}`, 'check on inputs the calibration did not see: they measure how the int8 model does on new data');
    }
    return { flags, calibration, check: held };
  }
  if (calibration.kind === 'synthetic') {
    io.err(`note: --check compares float and int8 on ${calibration.samples} other synthetic inputs (seed ${seed + 1}), not on data`);
    return { flags, calibration, check: syntheticInputs(calibration.samples, spec.reference, seed + 1) };
  }
  throw usageError('--check on an int8 model needs held-out inputs: --check-data FILES|DIR|GLOB (not the calibration files)', 'e.g. keep a tenth of your preprocessed images out of --calibration and give them to --check-data');
}

/** The files the calibration and --check read, for the check that no output overwrites them. */
export function int8InputFiles(inputs: Int8Inputs): NamedFile[] {
  const named = (src: InputSource | undefined, what: string): NamedFile[] => (src?.kind === 'files' ? src.files.map((f) => ({ what, path: f.path })) : []);
  return [...named(inputs.calibration, 'a --calibration file'), ...named(inputs.check, 'a --check-data file')];
}

/** What quantizeModel takes, from the flags: --reduce-range's default from this CPU, the calibration progress bar on stderr. */
export async function int8ModelOptions(name: string, q: QuantizeFlags, inputs: Int8Inputs, io: CliIO, quiet: boolean): Promise<{ options: QuantizeModelOptions; reduceRange: boolean; reduceRangeWhy: string }> {
  const { int8Cpu } = await import('../backends/ort/cpuFeatures.js');
  const cpu = int8Cpu();
  const reduceRange = q.reduceRangeGiven ? q.reduceRange! : cpu.reduceRangeDefault;
  const progress = calibrationProgress(name, inputs.calibration.samples, io, quiet);
  const options: QuantizeModelOptions = {
    ...q,
    reduceRange,
    calibration: inputs.calibration,
    method: inputs.flags.method,
    ...(inputs.flags.percentile !== undefined ? { percentile: inputs.flags.percentile } : {}),
    ...(progress ? { onProgress: progress } : {}),
  };
  return { options, reduceRange, reduceRangeWhy: q.reduceRangeGiven ? 'as given' : `the default here, ${cpu.reason}` };
}

/** Quantize a compiled model with a progress bar on stderr. */
export async function quantizeCompiled(c: CompiledModel, name: string, q: QuantizeFlags, inputs: Int8Inputs, io: CliIO, quiet: boolean, print?: { readonly printAfter: readonly string[] }): Promise<{ model: QuantizedModel; reduceRange: boolean; reduceRangeWhy: string }> {
  const { quantizeModel } = await import('../quantize.js');
  planQuantization(c.graph, q); // refuses bad --quantize-exclude paths before the warning and the calibration
  syntheticWarning(inputs.calibration, io);
  const { options, reduceRange, reduceRangeWhy } = await int8ModelOptions(name, q, inputs, io, quiet);
  const model = await quantizeModel(c, { ...options, ...(print ? { printAfter: print.printAfter, print: io.out } : {}) });
  return { model, reduceRange, reduceRangeWhy };
}

/** --check for an int8 model: prints the comparison, throws E_CHECK_FAILED under the thresholds. */
export async function checkInt8(m: QuantizedModel, name: string, inputs: Int8Inputs, p: Parsed, trained: boolean, io: CliIO, quiet: boolean): Promise<void> {
  const { DEFAULT_QUANT_CHECK, assertQuantCheckPassed, checkQuantized, fmtDb, pct } = await import('../backends/ort/quantCheck.js');
  const sqnr = get.num(p, 'check-min-sqnr');
  const agreement = get.num(p, 'check-min-agreement');
  if (agreement !== undefined && !(agreement >= 0 && agreement <= 100)) throw usageError(`--check-min-agreement is a percentage from 0 to 100, got ${agreement}`);
  const thresholds = { minSqnrDb: sqnr ?? DEFAULT_QUANT_CHECK.minSqnrDb, minTop1Agreement: agreement !== undefined ? agreement / 100 : DEFAULT_QUANT_CHECK.minTop1Agreement };
  const src = inputs.check!;
  const progress = calibrationProgress(name, src.samples, io, quiet, 'checking');
  const r = await checkQuantized(m.float, m.graph, src, { thresholds, enforceTop1: trained, ...(progress ? { onProgress: progress } : {}) });
  if (!quiet || !r.passed) {
    const from = src.kind === 'files' ? `${src.files.length} held-out file${src.files.length === 1 ? '' : 's'}` : `synthetic inputs (seed ${src.seed})`;
    io.out(`check ${name}: int8 vs float on ${r.samples} inputs from ${from}; onnxruntime cpu, graph optimizations on`);
    const top1 =
      r.top1Agreement === undefined
        ? 'n/a (the output is not one row of scores per sample)'
        : `${pct(r.top1Agreement)}${r.top1Enforced ? `, at least ${pct(thresholds.minTop1Agreement)}: ${r.top1Agreement >= thresholds.minTop1Agreement ? 'ok' : 'FAILED'}` : ' (not enforced: seeded weights give near-tied logits; load trained --weights)'}`;
    io.out(`  top-1    ${top1}`);
    io.out(`  SQNR     ${fmtDb(r.sqnrDb)} (10 log10 of sum a^2 / sum (a - b)^2, a = float, b = int8), at least ${thresholds.minSqnrDb} dB: ${r.sqnrDb >= thresholds.minSqnrDb ? 'ok' : 'FAILED'}`);
    io.out(`  max rel  ${r.maxRel.toExponential(2)} (max |a - b| / max |a|; reported, not enforced)`);
  }
  assertQuantCheckPassed(r, name);
}

export function int8Summary(m: QuantizedModel, q: QuantizeFlags, reduceRange: boolean, reduceRangeWhy: string): Int8Summary {
  return {
    scheme: schemeOf(q.activations ?? 'uint8'),
    perChannel: q.perChannel ?? true,
    reduceRange,
    reduceRangeWhy,
    footprint: int8Footprint(m.float, m.plan, { perChannel: q.perChannel ?? true }),
    float: m.plan.float,
    calibration: m.calibration,
  };
}

/** The compile summary's rows for an int8 model, in its `  label    value` layout. */
export function int8SummaryText(s: Int8Summary): string[] {
  return int8Rows(s).map(([k, v]) => `  ${k.padEnd(8)} ${v}`);
}

/**
 * summary/report --quantize int8: what the int8 model would be, without calibrating: the
 * float model compiled (seeded or --weights, BatchNorm folded), planned, and weighed.
 */
export async function int8Plan(def: DefinedModel, options: CompileOptions, q: QuantizeFlags): Promise<Int8Summary> {
  const { compile } = await import('../compile.js');
  const { int8Cpu } = await import('../backends/ort/cpuFeatures.js');
  const g = compile(def, options).graph;
  const plan = planQuantization(g, q);
  const cpu = int8Cpu();
  const reduceRange = q.reduceRangeGiven ? q.reduceRange! : cpu.reduceRangeDefault;
  return {
    scheme: schemeOf(q.activations ?? 'uint8'),
    perChannel: q.perChannel ?? true,
    reduceRange,
    reduceRangeWhy: q.reduceRangeGiven ? 'as given' : `the default here, ${cpu.reason}`,
    footprint: int8Footprint(g, plan, { perChannel: q.perChannel ?? true }),
    float: plan.float,
  };
}
