/**
 * int8 resnet50 against float32 in onnxruntime-node on this machine's CPU: accuracy and speed.
 *
 *   node bench/quantize.mjs [--data DIR] [--runs 30] [--warmup 5] [--methods minmax,percentile,entropy]
 *                           [--s8s8] [--profile] [--skip-speed] [--skip-accuracy] [--threads N] [--num-classes N]
 *                           [--out bench/results]
 *
 * --data DIR: a folder with weights.pth, cal/*.npy and held/*.npy (any input size), and
 * held_y.npy when the held-out inputs have labels (bench/digits_resnet50.py writes one:
 * a resnet50 trained on the 8x8 digits at 32x32; then top-1 accuracy against the labels is
 * reported too).
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
 * 4. --layers: where the int8 error comes from: the SQNR of every quantized tensor (the
 *    minmax model, dequantized, against the float model's same tensor) on 4 held-out inputs,
 *    both graphs run with onnxruntime's optimizations off so the QDQ graph computes exactly
 *    what it says.
 * Prints Markdown for BENCHMARKS.md; writes OUT/quantize.json with every sample.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
const { readNpy } = await dist('weights/npy.js');
const { toFloat32 } = await dist('weights/tensor.js');

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    methods: { type: 'string', default: 'minmax,percentile,entropy' },
    s8s8: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'skip-speed': { type: 'boolean', default: false },
    'skip-accuracy': { type: 'boolean', default: false },
    threads: { type: 'string' },
    layers: { type: 'boolean', default: false },
    'num-classes': { type: 'string' },
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
const cal = openInputFiles([join(data, 'cal')], ['N', 3, 'H', 'W']);
const SAMPLE = cal.files[0].sample;
const INPUT = ['N', ...SAMPLE];
const held = openInputFiles([join(data, 'held')], INPUT);
const labels = existsSync(join(data, 'held_y.npy')) ? Array.from(toFloat32(readNpy(join(data, 'held_y.npy')))) : undefined;
const load = [loadavg()];
const result = { machine: { ...machineInfo(ROOT), int8: int8Cpu() }, data: { calibration: cal.samples, heldOut: held.samples }, accuracy: [], speed: {}, optimized: {}, load };

log('bench: compiling resnet50 --weights');
const float = compile(ZOO.get('resnet50'), { weights: join(data, 'weights.pth'), input: SAMPLE, ...(a['num-classes'] ? { numClasses: Number(a['num-classes']) } : {}) });

/** Top-1 class of every held-out input. */
async function predictions(graph) {
  const s = await ort.InferenceSession.create(toOnnxBytes(graph), { logSeverityLevel: 3 });
  const out = [];
  for (let it = inputBatches(held, 32), r = it.next(); !r.done; r = it.next()) {
    const y = (await s.run({ input: new ort.Tensor('float32', r.value.data, r.value.dims) })).logits;
    const k = y.dims[1];
    for (let i = 0; i < y.dims[0]; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (y.data[i * k + c] > y.data[i * k + best]) best = c;
      out.push(best);
    }
  }
  await s.release();
  return out;
}
const accuracy = (pred) => (labels ? pred.filter((p, i) => p === labels[i]).length / pred.length : undefined);

// how many classes does the float model spread the inputs over (an untrained net may give one class to all)?
if (!a['skip-accuracy']) {
  const pred = await predictions(float.graph);
  const classes = new Map();
  for (const c of pred) classes.set(c, (classes.get(c) ?? 0) + 1);
  const top = [...classes.values()].sort((p, q) => q - p)[0];
  result.data.floatClasses = { distinct: classes.size, largestShare: top / held.samples };
  result.data.floatAccuracy = accuracy(pred);
}

const int8 = {};
for (const method of a.methods.split(',')) {
  log(`bench: quantizing (${method})`);
  const q = await quantizeModel(float, { calibration: cal, method });
  int8[method] = q;
  if (a['skip-accuracy']) continue;
  const r = await checkQuantized(q.float, q.graph, held, { enforceTop1: true });
  const acc = labels ? accuracy(await predictions(q.graph)) : undefined;
  result.accuracy.push({ method, calibrationMs: q.calibration.ms, samples: r.samples, top1Agreement: r.top1Agreement, sqnrDb: r.sqnrDb, maxRel: r.maxRel, maxAbs: r.maxAbs, ...(acc !== undefined ? { accuracy: acc } : {}) });
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
const pairOpts = { batches: [1, 8], runs: Number(a.runs), warmup: Number(a.warmup), inputShape: SAMPLE, ...(a.threads ? { intraOpNumThreads: Number(a.threads) } : {}) };
if (!a['skip-speed']) {
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
}

if (a.profile) {
  const profile = async (bytes, name) => {
    const prefix = join(work, name);
    const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: prefix, extra: { session: { intra_op: { allow_spinning: '0' } } } });
    const x = new ort.Tensor('float32', new Float32Array(SAMPLE.reduce((p, q) => p * q, 1)).fill(0.1), [1, ...SAMPLE]);
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

if (a.layers) {
  const q = int8.minmax ?? Object.values(int8)[0];
  const tensors = q.plan.tensors.map((t) => t.id).filter((t) => !float.graph.inputs.includes(t) && q.graph.values.has(`${t}_dequantized`));
  const off = { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' };
  const sf = await ort.InferenceSession.create(toOnnxBytes({ ...float.graph, outputs: [...float.graph.outputs, ...tensors] }), off);
  const sq = await ort.InferenceSession.create(toOnnxBytes({ ...q.graph, outputs: [...q.graph.outputs, ...tensors.map((t) => `${t}_dequantized`)] }), off);
  const b = inputBatches(held, 4).next().value;
  const x = new ort.Tensor('float32', b.data, b.dims);
  const [of, oq] = [await sf.run({ input: x }), await sq.run({ input: x })];
  const sqnr = (u, v) => {
    let sig = 0;
    let noise = 0;
    for (let i = 0; i < u.length; i++) {
      sig += u[i] * u[i];
      noise += (u[i] - v[i]) ** 2;
    }
    return 10 * Math.log10(sig / noise);
  };
  result.layers = [...tensors.map((t) => ({ tensor: t, sqnrDb: sqnr(of[t].data, oq[`${t}_dequantized`].data) })), { tensor: 'logits', sqnrDb: sqnr(of.logits.data, oq.logits.data) }];
  await sf.release();
  await sq.release();
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
if (!a['skip-accuracy']) L.push(`Accuracy: ${held.samples} held-out inputs of [${SAMPLE.join(', ')}], calibration on ${cal.samples} others; the float model predicts ${result.data.floatClasses.distinct} distinct classes on them (the most common takes ${f(100 * result.data.floatClasses.largestShare)}%)${labels ? `, ${f(100 * result.data.floatAccuracy, 2)}% of them right` : ''}.`);
if (!a['skip-accuracy']) {
L.push('');
L.push(`| calibration | ${labels ? 'int8 top-1 accuracy | ' : ''}top-1 agreement | logits SQNR | max rel | calibration time |`);
L.push(`|---|${labels ? '---:|' : ''}---:|---:|---:|---:|`);
for (const r of result.accuracy) L.push(`| ${r.method} | ${r.accuracy !== undefined ? `${f(100 * r.accuracy, 2)}% | ` : ''}${f(100 * r.top1Agreement)}% | ${f(r.sqnrDb)} dB | ${r.maxRel.toExponential(2)} | ${f(r.calibrationMs / 1000)} s |`);
}
L.push('');
const speed = (name, s) => {
  L.push(`Speed, float32 vs int8 ${name}: medians of ${s.runs} interleaved runs after ${s.warmup} warm-up each${a.threads ? `, ${a.threads} intra-op thread${a.threads === '1' ? '' : 's'}` : ', default intra-op threads'}; session creation ${f(s.sessionCreateMs[0], 0)} / ${f(s.sessionCreateMs[1], 0)} ms.`);
  L.push('');
  L.push('| batch | float32 | int8 | speedup | float32 images/s | int8 images/s | CPU time float32 / int8 | CPU-time ratio |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const b of s.batches) L.push(`| ${b.batch} | ${f(b.medianMs[0], 2)} ms | ${f(b.medianMs[1], 2)} ms | ${f(b.speedup, 2)}x | ${f(b.imagesPerSecond[0])} | ${f(b.imagesPerSecond[1])} | ${f(b.cpuMs[0], 0)} / ${f(b.cpuMs[1], 0)} ms | ${f(b.cpuSpeedup, 2)}x |`);
  L.push('');
};
L.push(`Model size: float32 ${f(result.bytes.float32 / 2 ** 20)} MiB, int8 ${f(result.bytes.int8 / 2 ** 20)} MiB.`);
L.push('');
if (result.speed.u8s8) speed('U8S8', result.speed.u8s8);
if (result.speed.s8s8) speed('S8S8', result.speed.s8s8);
for (const [k, ops] of Object.entries(result.optimized)) L.push(`onnxruntime's optimized ${k.toUpperCase()} graph: ${Object.entries(ops).map(([o, n]) => `${o} ${n}`).join(', ')}.`);
if (result.layers) {
  L.push('');
  L.push('SQNR of each quantized tensor (minmax int8 vs float, 4 held-out inputs, optimizations off):');
  L.push('');
  L.push(result.layers.map((l) => `${l.tensor} ${f(l.sqnrDb)}`).join(', '));
}
if (result.profile) {
  L.push('');
  L.push('Profile at batch 1 (ms per run by op type, onnxruntime profiler):');
  for (const [k, p] of Object.entries(result.profile)) L.push(`- ${k}: ${Object.entries(p).map(([o, ms]) => `${o} ${ms}`).join(', ')}`);
}
process.stdout.write(`${L.join('\n')}\n`);
