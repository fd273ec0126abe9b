/** netforge bench <model|file.onnx> [--ep ...] [--batch 1,8,32] [--runs N] [--warmup N] [--dtype float32|float16] [--io-binding] [--json] */
import { existsSync, statSync } from 'node:fs';
import { cpus, platform, arch } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec } from '../args.js';
import { MODEL_FLAGS, modelFromArgs } from '../modelArgs.js';
import { DTYPE_FLAG, dtypeFrom } from '../dtypeArgs.js';
import { EP_FLAGS, epFrom } from '../epArgs.js';
import { compile } from '../../compile.js';
import { loadableModel } from '../../backends/ort/loadableModel.js';
import { assertRunFits, runBytes } from '../../backends/ort/runMemory.js';
import { benchModel, type BenchReport } from '../../backends/ort/bench.js';
import { ORT_VERSION } from '../../backends/ort/session.js';
import { loadOrt } from '../../backends/ort/ort.js';
import { NetforgeError } from '../../errors.js';
import { NETFORGE_VERSION } from '../../version.js';
import { int, mib } from '../../backends/report/format.js';
import { ZOO } from '../../zoo/index.js';
import { maxOf } from '../../maxOf.js';
import { QUANTIZE_FLAGS, quantizePlanFrom } from '../quantizeArgs.js';

const ZOO_NAMES: ReadonlySet<string> = new Set(ZOO.keys());
/** --threads may go up to 4 per logical core, and at least this far. */
const MIN_THREAD_CAP = 64;

const FLAGS: readonly FlagSpec[] = [
  ...EP_FLAGS,
  { name: '--batch', type: 'list', help: 'batch sizes to time, e.g. 1,8,32 (default 1)' },
  { name: '--runs', type: 'int', help: 'timed runs per batch size after warm-up (default 20)' },
  { name: '--warmup', type: 'int', help: 'untimed runs per batch size after the first run (default 5)' },
  DTYPE_FLAG,
  { name: '--io-binding', type: 'bool', help: 'webgpu: keep the input on the GPU between runs (outputs are still downloaded each run)' },
  { name: '--threads', type: 'int', help: 'cpu provider threads (default: onnxruntime\'s choice, one per core)' },
  { name: '--input-seed', type: 'int', help: 'seed of the N(0, 1) input (default 0)' },
  { name: '--json', type: 'bool', help: 'print every figure as JSON on stdout' },
  ...MODEL_FLAGS,
  ...QUANTIZE_FLAGS,
];

function positiveInts(xs: readonly string[], flag: string): number[] {
  const n = xs.map(Number);
  if (n.length === 0 || n.some((v) => !Number.isInteger(v) || v <= 0)) throw usageError(`${flag} expects positive integers, got '${xs.join(',')}'`, `e.g. ${flag} 1,8,32`);
  return [...new Set(n)];
}

interface ModelInfo {
  readonly name: string;
  readonly source: 'zoo' | 'model-file' | 'onnx';
  readonly path?: string;
  readonly dtype: 'float32' | 'float16';
  readonly ioDtype: 'float32';
  readonly onnxBytes: number;
  readonly compileMs?: number;
  readonly params?: number;
  readonly macsPerImage?: number;
  /** [C, H, W] to run a model compiled with symbolic sizes at. */
  readonly runShape?: readonly number[];
}

/** --input-size for an .onnx file: C,H,W (the model's own channel count is not known before loading). */
function onnxInputShape(xs: readonly string[]): number[] {
  const n = xs.map(Number);
  if (n.length !== 3 || n.some((v) => !Number.isInteger(v) || v <= 0)) throw usageError(`--input-size for an .onnx file expects C,H,W, got '${xs.join(',')}'`, 'e.g. --input-size 3,224,224');
  return n;
}

function ms(x: number): string {
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'time a model in onnxruntime: session creation, first run, median/p90 latency, throughput per batch size',
  usage: 'netforge bench <model|file.onnx> [--ep auto|cpu|webgpu|cuda] [--batch 1,8,32] [--runs N] [--warmup N] [--dtype float32|float16] [--io-binding] [--json]  (default --ep auto)\n       netforge bench <model> --quantize int8 --calibration FILES|DIR|GLOB [--batch 1,8] [...]  (float32 and int8 side by side on the cpu)',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('bench', argv, FLAGS);
    if (p.positionals.length !== 1) throw usageError('netforge bench takes one model: a zoo name, a .ts model file or an .onnx file', 'e.g. netforge bench resnet50 --batch 1,32');
    const spec = p.positionals[0]!;
    const q = quantizePlanFrom(p);
    loadOrt('netforge bench');
    const batches = positiveInts(get.list(p, 'batch') ?? (q !== undefined ? ['1', '8'] : ['1']), '--batch');
    const runs = get.num(p, 'runs') ?? 20;
    const warmup = get.num(p, 'warmup') ?? 5;
    if (runs < 1) throw usageError(`--runs must be at least 1, got ${runs}`);
    if (warmup < 0) throw usageError(`--warmup must be 0 or more, got ${warmup}`);
    const threads = get.num(p, 'threads');
    const maxThreads = Math.max(MIN_THREAD_CAP, 4 * cpus().length);
    if (threads !== undefined && (threads < 1 || threads > maxThreads)) {
      throw usageError(`--threads must be from 1 to ${maxThreads} (4 per logical core, at least ${MIN_THREAD_CAP}), got ${threads}`, `this machine has ${cpus().length} logical cores; onnxruntime's default is one thread per core`);
    }
    const dtypeFlag = dtypeFrom(p);
    const dtype = dtypeFlag ?? 'float32';
    if (q !== undefined) {
      // float32 and int8 side by side: onnxruntime loads here only
      const { benchInt8 } = await import('../int8Bench.js');
      return benchInt8(p, spec, q, { batches, runs, warmup, ...(threads !== undefined ? { threads } : {}) }, io);
    }
    const { ep, strict } = epFrom(p, 'auto');

    let model: string | Uint8Array;
    let info: ModelInfo;
    let dispose = (): void => {};
    if (/\.onnx$/i.test(spec)) {
      const path = resolve(spec);
      if (!existsSync(path)) throw new NetforgeError({ code: 'E_NOT_FOUND', message: `model file ${spec} does not exist`, file: spec, hint: 'check the path, or give a zoo name such as resnet50' });
      if (dtypeFlag === 'float16') throw usageError('--dtype float16 applies to models netforge compiles (a zoo name or a .ts file), not to an .onnx file', 'compile the model with the float16 pass, or bench the zoo name');
      for (const f of ['num-classes', 'replace-stride-with-dilation', 'zero-init-residual', 'seed', 'weights', 'freeze-backbone']) {
        if (p.flags.has(f)) throw usageError(`--${f} applies to models netforge compiles, not to an .onnx file`);
      }
      model = path;
      info = { name: spec, source: 'onnx', path, dtype: 'float32', ioDtype: 'float32', onnxBytes: statSync(path).size };
    } else {
      const { def, options } = await modelFromArgs(p, 'bench', io);
      const t0 = performance.now();
      const c = compile(def, { ...options, dtype });
      const maxBatch = maxOf(batches);
      assertRunFits(runBytes(c.graph, maxBatch), `running ${def.name} at batch ${maxBatch}`, 'choose smaller --batch sizes (or a smaller --input-size)');
      // in memory, or through a temp directory for a model over 2 GiB (external data)
      const loadable = loadableModel(c.graph);
      model = loadable.model;
      dispose = loadable.dispose;
      info = {
        name: def.name,
        source: ZOO_NAMES.has(spec) ? 'zoo' : 'model-file',
        ...(ZOO_NAMES.has(spec) ? {} : { path: resolve(spec) }),
        dtype,
        ioDtype: 'float32',
        onnxBytes: loadable.bytes,
        compileMs: performance.now() - t0,
        params: c.source.params,
        macsPerImage: c.source.macs,
        // a model compiled with symbolic sizes runs at its reference size
        ...(Object.keys(c.source.sizes).length > 0 ? { runShape: c.source.referenceInput } : {}),
      };
    }
    const inputSize = get.list(p, 'input-size');
    const inputSeed = get.num(p, 'input-seed');
    const ioBinding = get.bool(p, 'io-binding') ?? false;
    let r: BenchReport;
    try {
      r = await benchModel(model, {
        ep,
        strict,
        batches,
        runs,
        warmup,
        ioBinding,
        onNotice: io.err,
        ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
        ...(inputSeed !== undefined ? { seed: inputSeed } : {}),
        ...(info.source === 'onnx' && inputSize ? { inputShape: onnxInputShape(inputSize) } : {}),
        ...(info.runShape !== undefined ? { inputShape: info.runShape } : {}),
      });
    } finally {
      dispose();
    }
    const env = {
      netforge: NETFORGE_VERSION,
      node: process.version,
      onnxruntime: ORT_VERSION(),
      platform: `${platform()} ${arch()}`,
      cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', logicalCores: cpus().length },
      intraOpNumThreads: threads ?? 'default',
    };
    if (get.bool(p, 'json')) {
      io.out(JSON.stringify({ command: 'bench', model: info, env, ...r }, null, 2));
      return 0;
    }
    io.out(formatBench(info, env.cpu, r));
    return 0;
  },
};

function formatBench(info: ModelInfo, cpu: { model: string; logicalCores: number }, r: BenchReport): string {
  const lines: string[] = [];
  const what = info.source === 'onnx' ? info.path! : `${info.name} (${info.dtype}, compiled in memory in ${ms(info.compileMs ?? 0)}, ${int(info.params ?? 0)} params)`;
  lines.push(`bench ${what}: ONNX ${mib(info.onnxBytes)}`);
  lines.push(`  provider  ${r.provider}${r.fellBack ? ` (fell back from ${r.preferred})` : ''}, requested --ep ${r.requested}${r.strict ? ' --strict-ep' : ''}${r.provider === 'cpu' ? `; ${cpu.model}, ${cpu.logicalCores} logical cores` : ''}`);
  for (const u of r.unavailable) lines.push(`            ${u.provider} not used: ${u.reason}`);
  lines.push(`  session   created in ${ms(r.sessionCreateMs)}`);
  lines.push(`  input     ${r.input.name} [N, ${r.input.shape.join(', ')}] ${r.input.type}, ${r.input.distribution} (seed ${r.input.seed})`);
  if (r.ioBinding.requested) lines.push(`  io-binding ${r.ioBinding.active ? 'active' : `not active: ${r.ioBinding.reason ?? ''}`}`);
  const header = ['batch', 'first run', 'median', 'p90', 'min', 'images/s'];
  const rows = r.batches.map((b) => [String(b.batch), ms(b.firstRunMs), ms(b.medianMs), ms(b.p90Ms), ms(b.minMs), b.imagesPerSecond.toFixed(1)]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  lines.push(`  ${header.map((h, i) => h.padStart(w[i]!)).join('  ')}`);
  for (const row of rows) lines.push(`  ${row.map((c, i) => c.padStart(w[i]!)).join('  ')}`);
  const first = r.batches[0];
  lines.push(`  runs      ${first?.runs ?? 0} timed after ${first?.warmup ?? 0} warm-up (plus the first run) per batch; p90 = nearest rank`);
  lines.push(`  timing    ${r.transfer}`);
  const bad = r.batches.filter((b) => !b.output.finite);
  if (bad.length > 0) lines.push(`  warning   the output holds non-finite values at batch ${bad.map((b) => b.batch).join(', ')}`);
  return lines.join('\n');
}
