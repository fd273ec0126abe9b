/**
 * `netforge bench <model> --quantize int8 --calibration ...`: compile the model, quantize a
 * copy, and time float32 and int8 side by side in one process (src/backends/ort/benchPair.ts):
 * latency per batch size, images/s, the speedup and both models' sizes.
 */
import { cpus } from 'node:os';
import type { CliIO } from './command.js';
import type { Parsed } from './args.js';
import { get, usageError } from './args.js';
import { modelFromArgs } from './modelArgs.js';
import { compile } from '../compile.js';
import { resolveInputSpec } from '../dsl/inputSpec.js';
import { toOnnxBytes } from '../backends/onnx/serialize.js';
import { benchPair } from '../backends/ort/benchPair.js';
import { ORT_VERSION } from '../backends/ort/session.js';
import { NETFORGE_VERSION } from '../version.js';
import { mib } from '../backends/report/format.js';
import { int8Summary, int8SummaryText, openInt8Inputs, quantizeCompiled } from './int8Compile.js';
import type { QuantizeFlags } from './quantizeArgs.js';

const ms = (x: number): string => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);

export async function benchInt8(p: Parsed, spec: string, q: QuantizeFlags, o: { batches: number[]; runs: number; warmup: number; threads?: number }, io: CliIO): Promise<number> {
  if (/\.onnx$/i.test(spec)) throw usageError('--quantize int8 compiles the model: give a zoo name or a .ts model file, not an .onnx file', 'to time an int8 .onnx file alone: netforge bench model-int8.onnx --ep cpu');
  const ep = get.str(p, 'ep');
  if (ep !== undefined && ep !== 'cpu') throw usageError(`--quantize int8 benchmarks onnxruntime's CPU int8 kernels: --ep ${ep} does not apply`, 'drop --ep, or use --ep cpu');
  if (get.bool(p, 'io-binding')) throw usageError('--io-binding applies to --ep webgpu, not to an int8 bench on the cpu');
  if (get.str(p, 'dtype') === 'float16') throw usageError('--quantize int8 compares int8 with float32: drop --dtype float16');
  const { def, options } = await modelFromArgs(p, 'bench', io);
  const input = resolveInputSpec(def, options);
  // timed at the reference size (a model with symbolic H and W is measured at its declared size)
  const chw = input.reference;
  const inputs = await openInt8Inputs(p, def, input, options.seed ?? 0, false, io);
  const c = compile(def, options);
  const r = await quantizeCompiled(c, def.name, q, inputs, io, false);
  const float = toOnnxBytes(c.graph);
  const int8 = toOnnxBytes(r.model.graph);
  const inputSeed = get.num(p, 'input-seed');
  const pair = await benchPair(float, int8, {
    batches: o.batches,
    runs: o.runs,
    warmup: o.warmup,
    inputShape: chw,
    ...(inputSeed !== undefined ? { seed: inputSeed } : {}),
    ...(o.threads !== undefined ? { intraOpNumThreads: o.threads } : {}),
  });
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const summary = int8Summary(r.model, q, r.reduceRange, r.reduceRangeWhy);
  if (get.bool(p, 'json')) {
    io.out(JSON.stringify({ command: 'bench', model: def.name, compared: ['float32', 'int8'], bytes: { float32: float.byteLength, int8: int8.byteLength }, env: { netforge: NETFORGE_VERSION, node: process.version, onnxruntime: ORT_VERSION(), cpu: { model: cpu, logicalCores: cpus().length } }, int8: summary, ...pair }, null, 2));
    return 0;
  }
  const L: string[] = [];
  L.push(`bench ${def.name}: float32 vs int8 side by side on the cpu provider; ${cpu}, ${cpus().length} logical cores`);
  L.push(`  size     float32 ${mib(float.byteLength)}, int8 ${mib(int8.byteLength)} (${(int8.byteLength / float.byteLength).toFixed(2)}x)`);
  L.push(`  session  created in ${ms(pair.sessionCreateMs[0])} (float32), ${ms(pair.sessionCreateMs[1])} (int8)`);
  L.push(...int8SummaryText(summary).filter((l) => /^ {2}(int8|calib) /.test(l)));
  const head = ['batch', 'float32', 'int8', 'speedup', 'float32 img/s', 'int8 img/s', 'CPU time ratio'];
  const rows = pair.batches.map((b) => [String(b.batch), ms(b.medianMs[0]), ms(b.medianMs[1]), `${b.speedup.toFixed(2)}x`, b.imagesPerSecond[0].toFixed(1), b.imagesPerSecond[1].toFixed(1), `${b.cpuSpeedup.toFixed(2)}x`]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  L.push(`  ${head.map((h, i) => h.padStart(w[i]!)).join('  ')}`);
  for (const row of rows) L.push(`  ${row.map((cell, i) => cell.padStart(w[i]!)).join('  ')}`);
  L.push(`  runs     medians of ${pair.runs} timed runs per model and batch, interleaved (the order alternates), after ${pair.warmup} warm-up runs each; intra-op spinning off in both sessions`);
  L.push('  cpu      CPU time per run (user + system, all threads): on a loaded machine wall time measures the load too, CPU time the work');
  io.out(L.join('\n'));
  return 0;
}
