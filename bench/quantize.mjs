/**
 * int8 resnet50 against float32 in onnxruntime-node on this machine's CPU: accuracy and speed.
 *
 *   node bench/quantize.mjs [--data DIR] [--runs 30] [--warmup 5] [--methods minmax,percentile,entropy]
 *                           [--s8s8] [--profile] [--out bench/results]
 *
 * Data (bench/quantize_data.py, unless --data names a folder it wrote): torchvision's resnet50
 * with its own random init and non-trivial BatchNorm statistics, loaded by netforge with
 * --weights; 64 calibration and 256 held-out inputs, random resized crops of scikit-learn's
 * two sample photographs, ImageNet-normalized.
 *
 * 1. Accuracy, per calibration method: int8 vs float32 on the 256 held-out inputs (the
 *    --check figures: top-1 agreement, logits SQNR, max rel), and how many distinct classes
 *    the float model predicts on them (an untrained net can predict one class for every input,
 *    which would make agreement trivial).
 * 2. Speed: float32 and the minmax U8S8 int8 model side by side (src/backends/ort/benchPair.ts:
 *    the same session options, intra-op spinning off, runs interleaved, medians), batch 1 and 8;
 *    --s8s8 adds the S8S8 layout. The op types of onnxruntime's optimized int8 graphs.
 * 3. --profile: onnxruntime's profiler on both models at batch 1, time per op type.
 * Prints Markdown for BENCHMARKS.md; writes OUT/quantize.json with every sample.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { machineInfo, loadavg } from './lib/machine.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const dist = (p) => import(join(ROOT, 'dist', p));
const { compile } = await dist('compile.js');
const { ZOO } = await dist('zoo/index.js');
const { quantizeModel } = await dist('quantize.js');
const { openInputFiles, inputBatches } = await dist('backends/ort/calibrationSet.js');
const { checkQuantized } = await dist('backends/ort/quantCheck.js');
const { benchPair } = await dist('backends/ort/benchPair.js');
const { toOnnxBytes } = await dist('backends/onnx/serialize.js');
const { int8Cpu } = await dist('backends/ort/cpuFeatures.js');

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    methods: { type: 'string', default: 'minmax,percentile,entropy' },
    s8s8: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
const log = (s) => process.stderr.write(`${s}\n`);
const work = mkdtempSync(join(tmpdir(), 'netforge-qbench-'));
const data = a.data ?? join(work, 'data');
if (!a.data) {
  log('bench: generating resnet50 weights and inputs (bench/quantize_data.py)');
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'bench', 'quantize_data.py'), data], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}
const INPUT = ['N', 3, 224, 224];
const cal = openInputFiles([join(data, 'cal')], INPUT);
const held = openInputFiles([join(data, 'held')], INPUT);
const load = [loadavg()];
const result = { machine: { ...machineInfo(ROOT), int8: int8Cpu() }, data: { calibration: cal.samples, heldOut: held.samples }, accuracy: [], speed: {}, optimized: {}, load };

log('bench: compiling resnet50 --weights');
const float = compile(ZOO.get('resnet50'), { weights: join(data, 'weights.pth') });

// float predictions: how many classes does the untrained net spread the inputs over?
{
  const s = await ort.InferenceSession.create(toOnnxBytes(float.graph), { logSeverityLevel: 3 });
  const classes = new Map();
  for (let it = inputBatches(held, 32), r = it.next(); !r.done; r = it.next()) {
    const y = (await s.run({ input: new ort.Tensor('float32', r.value.data, r.value.dims) })).logits;
    const k = y.dims[1];
    for (let i = 0; i < y.dims[0]; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (y.data[i * k + c] > y.data[i * k + best]) best = c;
      classes.set(best, (classes.get(best) ?? 0) + 1);
    }
  }
  await s.release();
  const top = [...classes.values()].sort((p, q) => q - p)[0];
  result.data.floatClasses = { distinct: classes.size, largestShare: top / held.samples };
}

const int8 = {};
for (const method of a.methods.split(',')) {
  log(`bench: quantizing (${method})`);
  const q = await quantizeModel(float, { calibration: cal, method });
  int8[method] = q;
  const r = await checkQuantized(q.float, q.graph, held, { enforceTop1: true });
  result.accuracy.push({ method, calibrationMs: q.calibration.ms, samples: r.samples, top1Agreement: r.top1Agreement, sqnrDb: r.sqnrDb, maxRel: r.maxRel, maxAbs: r.maxAbs });
  load.push(loadavg());
}

async function optimizedOps(bytes, name) {
  const path = join(work, `${name}.opt.onnx`);
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, optimizedModelFilePath: path });
  await s.release();
  const ops = {};
  for (const n of onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph.node) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  return ops;
}

const floatBytes = toOnnxBytes(float.graph);
const u8 = toOnnxBytes((int8.minmax ?? Object.values(int8)[0]).graph);
result.bytes = { float32: floatBytes.byteLength, int8: u8.byteLength };
result.optimized.u8s8 = await optimizedOps(u8, 'u8s8');
const pairOpts = { batches: [1, 8], runs: Number(a.runs), warmup: Number(a.warmup), inputShape: [3, 224, 224] };
log('bench: float32 vs int8 U8S8, interleaved');
load.push(loadavg());
result.speed.u8s8 = await benchPair(floatBytes, u8, pairOpts);
load.push(loadavg());
if (a.s8s8) {
  const s8 = toOnnxBytes((await quantizeModel(float, { calibration: cal, activations: 'int8' })).graph);
  result.optimized.s8s8 = await optimizedOps(s8, 's8s8');
  log('bench: float32 vs int8 S8S8, interleaved');
  result.speed.s8s8 = await benchPair(floatBytes, s8, { ...pairOpts, runs: Math.max(5, Math.round(pairOpts.runs / 3)) });
  load.push(loadavg());
}

if (a.profile) {
  const profile = async (bytes, name) => {
    const prefix = join(work, name);
    const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: prefix, extra: { session: { intra_op: { allow_spinning: '0' } } } });
    const x = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.1), [1, 3, 224, 224]);
    for (let i = 0; i < 12; i++) await s.run({ input: x });
    s.endProfiling();
    await s.release();
    const file = readdirSync(work).find((f) => f.startsWith(name) && f.endsWith('.json'));
    const byOp = {};
    for (const e of JSON.parse(readFileSync(join(work, file), 'utf8'))) {
      if (e.cat !== 'Node' || !String(e.name).endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      byOp[op] = (byOp[op] ?? 0) + e.dur / 1000 / 12;
    }
    return Object.fromEntries(Object.entries(byOp).sort((p, q) => q[1] - p[1]).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  };
  result.profile = { float32: await profile(floatBytes, 'float32'), int8: await profile(u8, 'int8') };
}

mkdirSync(a.out, { recursive: true });
writeFileSync(join(a.out, 'quantize.json'), `${JSON.stringify(result, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });

// ---------------------------------------------------------------- Markdown
const m = result.machine;
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const L = [];
L.push(`Machine: ${m.cpu}, ${m.cores} cores; CPU flags ${m.int8.flags?.join(' ') ?? 'unknown'}; Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}; netforge ${m.netforge} (${m.git}); ${m.date}.`);
L.push(`Load (1-minute average) during the run: ${load.map((l) => f(l?.['1m'], 2)).join(', ')}.`);
L.push('');
L.push(`Accuracy: ${held.samples} held-out inputs, calibration on ${cal.samples} others; the float model predicts ${result.data.floatClasses.distinct} distinct classes on them (the most common takes ${f(100 * result.data.floatClasses.largestShare)}%).`);
L.push('');
L.push('| calibration | top-1 agreement | logits SQNR | max rel | calibration time |');
L.push('|---|---:|---:|---:|---:|');
for (const r of result.accuracy) L.push(`| ${r.method} | ${f(100 * r.top1Agreement)}% | ${f(r.sqnrDb)} dB | ${r.maxRel.toExponential(2)} | ${f(r.calibrationMs / 1000)} s |`);
L.push('');
const speed = (name, s) => {
  L.push(`Speed, float32 vs int8 ${name}: medians of ${s.runs} interleaved runs after ${s.warmup} warm-up each; session creation ${f(s.sessionCreateMs[0], 0)} / ${f(s.sessionCreateMs[1], 0)} ms.`);
  L.push('');
  L.push('| batch | float32 | int8 | speedup | float32 images/s | int8 images/s |');
  L.push('|---:|---:|---:|---:|---:|---:|');
  for (const b of s.batches) L.push(`| ${b.batch} | ${f(b.medianMs[0], 2)} ms | ${f(b.medianMs[1], 2)} ms | ${f(b.speedup, 2)}x | ${f(b.imagesPerSecond[0])} | ${f(b.imagesPerSecond[1])} |`);
  L.push('');
};
L.push(`Model size: float32 ${f(result.bytes.float32 / 2 ** 20)} MiB, int8 ${f(result.bytes.int8 / 2 ** 20)} MiB.`);
L.push('');
speed('U8S8', result.speed.u8s8);
if (result.speed.s8s8) speed('S8S8', result.speed.s8s8);
for (const [k, ops] of Object.entries(result.optimized)) L.push(`onnxruntime's optimized ${k.toUpperCase()} graph: ${Object.entries(ops).map(([o, n]) => `${o} ${n}`).join(', ')}.`);
if (result.profile) {
  L.push('');
  L.push('Profile at batch 1 (ms per run by op type, onnxruntime profiler):');
  for (const [k, p] of Object.entries(result.profile)) L.push(`- ${k}: ${Object.entries(p).map(([o, ms]) => `${o} ${ms}`).join(', ')}`);
}
process.stdout.write(`${L.join('\n')}\n`);
