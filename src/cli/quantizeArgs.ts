/**
 * The int8 flags (`--quantize int8 --calibration ...`) of compile and bench, and the subset
 * summary and report take (what would be quantized, no calibration): parsing, the usage
 * rules between them, and the calibration progress bar.
 */
import type { CliIO } from './command.js';
import type { FlagSpec, Parsed } from './args.js';
import { get, usageError } from './args.js';
import type { Dim } from '../ir/types.js';
import type { QuantizeOptions } from '../passes/quantize.js';
import type { InputSource } from '../backends/ort/calibrationSet.js';
import type { CalibrationMethod } from '../backends/ort/rangeStats.js';
import { countUnits, createProgress } from '../weights/progress.js';
import { stderrSink } from './weightsArgs.js';

/** What summary and report take: the plan needs no data. */
export const QUANTIZE_PLAN_FLAGS: readonly FlagSpec[] = [
  { name: '--quantize', type: 'string', help: 'int8: QDQ model with int8 weights and 8-bit activations (needs --calibration or --calibration-synthetic)' },
  { name: '--quantize-exclude', type: 'list', repeat: true, help: 'module paths to keep in float, e.g. layer4.2.conv3,fc (a path covers the modules under it)' },
  { name: '--quantize-format', type: 'string', help: 'u8s8 (default: uint8 activations, int8 weights; what onnxruntime fuses on x86) or s8s8 (int8 activations)' },
  { name: '--per-channel', type: 'bool', help: 'one weight scale per output channel (default on); --no-per-channel: one per tensor' },
  { name: '--reduce-range', type: 'bool', help: '7-bit weights against U8S8 saturation on x86 CPUs without VNNI (default: on only there; netforge doctor says which)' },
];

export const QUANTIZE_FLAGS: readonly FlagSpec[] = [
  ...QUANTIZE_PLAN_FLAGS,
  { name: '--calibration', type: 'string', repeat: true, help: 'calibration inputs: .npy files ([n, C, H, W] float32, preprocessed) as a comma list, a directory of them, or a quoted glob (repeatable)' },
  { name: '--calibration-method', type: 'string', help: 'minmax (default), percentile or entropy: how each tensor\'s range is chosen from its calibration values' },
  { name: '--calibration-percentile', type: 'number', help: 'with --calibration-method percentile: the share of |x| to keep (default 99.999)' },
  { name: '--calibration-synthetic', type: 'int', help: 'calibrate on N seeded N(0, 1) inputs instead of data (accuracy then unknown; a warning says so)' },
];

/** --check on an int8 compile. */
export const QUANTIZE_CHECK_FLAGS: readonly FlagSpec[] = [
  { name: '--check-data', type: 'string', repeat: true, help: 'with --quantize --check: held-out .npy inputs (not the calibration files) to compare float and int8 on' },
  { name: '--check-min-sqnr', type: 'number', help: 'with --quantize --check: the least output SQNR in dB (default 20)' },
  { name: '--check-min-agreement', type: 'number', help: 'with --quantize --check: the least top-1 agreement in percent (default 90)' },
];

const METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

export interface QuantizeFlags extends QuantizeOptions {
  readonly reduceRangeGiven: boolean;
}

/** --quantize and the plan flags; undefined without --quantize (then the other flags are refused). */
export function quantizePlanFrom(p: Parsed): QuantizeFlags | undefined {
  const q = get.str(p, 'quantize');
  if (q === undefined) {
    const stray = [...QUANTIZE_FLAGS, ...QUANTIZE_CHECK_FLAGS].map((f) => f.name.slice(2)).filter((f) => f !== 'quantize' && !f.startsWith('check-') && p.flags.has(f));
    if (stray.length > 0) throw usageError(`--${stray[0]} applies to --quantize int8, which is missing`, 'add --quantize int8, or drop the option');
    return undefined;
  }
  if (q !== 'int8') throw usageError(`--quantize supports int8, got '${q}'`, 'e.g. --quantize int8 --calibration data/');
  const format = (get.str(p, 'quantize-format') ?? 'u8s8').toLowerCase();
  if (format !== 'u8s8' && format !== 's8s8') throw usageError(`--quantize-format must be u8s8 or s8s8, got '${format}'`, 'u8s8: uint8 activations (fastest on x86 CPUs), s8s8: int8 activations');
  const exclude = get.list(p, 'quantize-exclude');
  const reduceRange = get.bool(p, 'reduce-range');
  return {
    activations: format === 'u8s8' ? 'uint8' : 'int8',
    perChannel: get.bool(p, 'per-channel') ?? true,
    ...(reduceRange !== undefined ? { reduceRange } : {}),
    reduceRangeGiven: reduceRange !== undefined,
    ...(exclude !== undefined ? { exclude } : {}),
  };
}

export interface CalibrationFlags {
  readonly method: CalibrationMethod;
  readonly percentile?: number;
  /** Paths to open against the model input, or a synthetic sample count. */
  readonly source: { readonly kind: 'files'; readonly specs: readonly string[] } | { readonly kind: 'synthetic'; readonly samples: number };
}

/** The calibration flags, checked against each other (usage errors, exit 2). */
export function calibrationFrom(p: Parsed): CalibrationFlags {
  const specs = get.list(p, 'calibration');
  const synthetic = get.num(p, 'calibration-synthetic');
  if (specs !== undefined && synthetic !== undefined) throw usageError('give --calibration or --calibration-synthetic, not both');
  if (specs === undefined && synthetic === undefined) {
    throw usageError('--quantize int8 needs calibration inputs: --calibration FILES|DIR|GLOB', 'inputs the model will see (preprocessed, float32 .npy, any batch size; a few hundred images is typical); without data, --calibration-synthetic N calibrates on noise');
  }
  if (synthetic !== undefined && synthetic < 1) throw usageError(`--calibration-synthetic must be at least 1, got ${synthetic}`);
  const m = get.str(p, 'calibration-method') ?? 'minmax';
  if (!(METHODS as readonly string[]).includes(m)) throw usageError(`--calibration-method must be minmax, percentile or entropy, got '${m}'`);
  const percentile = get.num(p, 'calibration-percentile');
  if (percentile !== undefined && m !== 'percentile') throw usageError('--calibration-percentile applies to --calibration-method percentile');
  // checked here, before any model is built (quantizeModel checks it again for library callers)
  if (percentile !== undefined && !(percentile > 0 && percentile <= 100)) throw usageError(`--calibration-percentile must be in (0, 100], got ${percentile}`, 'e.g. 99.999 (the default) or 99.99');
  return {
    method: m as CalibrationMethod,
    ...(percentile !== undefined ? { percentile } : {}),
    source: specs !== undefined ? { kind: 'files', specs } : { kind: 'synthetic', samples: synthetic! },
  };
}

/** Extra positionals that look like shell-expanded .npy globs get a hint. */
export function strayNpy(positionals: readonly string[], command: string): void {
  const npy = positionals.slice(1).filter((s) => s.endsWith('.npy'));
  if (npy.length > 0) {
    throw usageError(`netforge ${command} takes one model, got ${positionals.join(' ')}`, `the shell expanded a glob: quote it (--calibration 'data/*.npy') or give the directory (--calibration data/)`);
  }
}

/** Open the calibration source against the model input [N, C, H, W]. */
export async function calibrationSource(c: CalibrationFlags, input: readonly Dim[], seed: number, preprocessing?: string, reference?: readonly number[]): Promise<InputSource> {
  const { openInputFiles, syntheticInputs } = await import('../backends/ort/calibrationSet.js');
  if (c.source.kind === 'files') return openInputFiles(c.source.specs, input, preprocessing !== undefined ? { preprocessing } : {});
  return syntheticInputs(c.source.samples, reference ?? input.slice(1), seed);
}

/** The loud warning for a synthetic calibration set (printed even with -q). */
export function syntheticWarning(src: InputSource, io: CliIO): void {
  if (src.kind !== 'synthetic') return;
  io.err(`warning: calibrating on ${src.samples} synthetic N(0, 1) inputs (seed ${src.seed}), not on data: activation ranges come from noise, so the int8 model's accuracy is unknown. Give --calibration with real, preprocessed inputs for a model you will use.`);
}

/** A progress bar on stderr for `total` samples, drawn from the first update on (nothing when quiet). */
export function calibrationProgress(label: string, total: number, io: CliIO, quiet: boolean, verb = 'calibrating'): ((done: number) => void) | undefined {
  if (quiet) return undefined;
  let bar: ReturnType<typeof createProgress> | undefined;
  return (done) => {
    bar ??= createProgress(`${verb} ${label}`, total, stderrSink(io), Date.now, countUnits('samples'));
    bar.update(done);
    if (done >= total) bar.done();
  };
}

/** The usage rules of --quantize with the other compile flags. */
export function checkQuantizeCompat(p: Parsed, q: QuantizeFlags | undefined): void {
  if (q === undefined) {
    for (const f of ['check-data', 'check-min-sqnr', 'check-min-agreement']) if (p.flags.has(f)) throw usageError(`--${f} applies to --quantize int8 --check`);
    return;
  }
  if (get.str(p, 'dtype') === 'float16') throw usageError('--quantize int8 and --dtype float16 are two ways to shrink a model: choose one', 'int8 computes in integers on the CPU; float16 pays off on GPUs');
  if (get.bool(p, 'fold-bn') === false) throw usageError('--quantize int8 works on the folded model: drop --no-fold-bn', 'onnxruntime\'s quantization guide: fold BatchNorm into the convolutions before quantizing');
  const opset = get.num(p, 'opset');
  if (opset !== undefined && opset < 13) throw usageError(`--quantize int8 needs --opset 13 or later, got ${opset}`, 'per-channel QuantizeLinear/DequantizeLinear came with opset 13 (default 17)');
  if (!get.bool(p, 'check')) for (const f of ['check-data', 'check-min-sqnr', 'check-min-agreement']) if (p.flags.has(f)) throw usageError(`--${f} applies to --check`);
}
