/**
 * onnxruntime-node on the CPU provider: two ONNX files side by side.
 *
 *   node bench/runtime.mjs --a netforge.onnx --b torch.onnx [--control] [--runs 30]
 *        [--warmup 3] [--levels all,disabled] [--batches 1,8] [--create-runs 9] [--size 224]
 *
 * --size: the input's H and W (`224`, or `520,480`); default 224.
 * The sessions live side by side in this one process, so intra-op threads do not spin
 * while waiting (session option allow_spinning 0): a spinning pool of one session would
 * steal the cores of the session being timed (resnet50 fp32 batch 1 read 50-60 ms instead
 * of ~18 ms that way).
 * For each graph optimization level: session-creation time (create + release, the files
 * taking turns, the order rotating each round), then batch latency (all sessions open,
 * warmed up, runs taking turns the same way). The same random input goes to each.
 * --control adds C, a byte-identical copy of A, as a third contender: A / C shows how far
 * two equal files differ on this machine right now, the noise band for A / B.
 * Also reports what each file contains (op counts, initializers) and how far the outputs
 * of A and B differ at batch 1 (~0 when both hold the same weights). Prints one JSON object.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { median } from './lib/stats.mjs';

const { values: a } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    'create-runs': { type: 'string', default: '9' },
    levels: { type: 'string', default: 'all,disabled' },
    batches: { type: 'string', default: '1,8' },
    threads: { type: 'string' },
    control: { type: 'boolean', default: false },
    size: { type: 'string', default: '224' },
  },
});
const [sizeH, sizeW = sizeH] = a.size.split(',').map(Number);
if (!a.a || !a.b) throw new Error('usage: runtime.mjs --a file.onnx --b file.onnx');
const runs = Number(a.runs);
const warmup = Number(a.warmup);
const createRuns = Number(a['create-runs']);
const files = { a: a.a, b: a.b };
let controlDir;
if (a.control) {
  controlDir = mkdtempSync(join(tmpdir(), 'netforge-rt-'));
  files.c = join(controlDir, 'control.onnx');
  copyFileSync(a.a, files.c);
}
const keys = Object.keys(files);

/** What a file holds: op counts, initializer count and bytes, opset, producer. */
function contents(path) {
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(path));
  const ops = {};
  for (const n of m.graph.node) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  let initBytes = 0;
  const dtypes = new Set();
  for (const t of m.graph.initializer) {
    initBytes += t.rawData?.byteLength ?? 0;
    dtypes.add(t.dataType);
  }
  return {
    path,
    fileBytes: statSync(path).size,
    producer: `${m.producerName} ${m.producerVersion}`,
    opset: m.opsetImport.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(','),
    nodes: m.graph.node.length,
    ops,
    initializers: m.graph.initializer.length,
    initializerBytes: initBytes,
    initializerDtypes: [...dtypes],
    input: m.graph.input.filter((i) => !m.graph.initializer.some((t) => t.name === i.name)).map((i) => i.name),
  };
}

const sessionOptions = (level) => ({
  executionProviders: ['cpu'],
  graphOptimizationLevel: level,
  ...(a.threads ? { intraOpNumThreads: Number(a.threads) } : {}),
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

/** The order rotates each round (A B C, B C A, ...): each contender goes first equally often. */
const orderFor = (r) => keys.map((_, i) => keys[(i + r) % keys.length]);

/** Medians per contender and the ratios A / B (and A / C, the control). */
function summary(t) {
  const m = Object.fromEntries(keys.map((k) => [k, median(t[k])]));
  return {
    ...Object.fromEntries(keys.map((k) => [k, t[k]])),
    medianA: m.a,
    medianB: m.b,
    ratio: m.a / m.b,
    ...(m.c !== undefined ? { medianC: m.c, controlRatio: m.a / m.c } : {}),
  };
}

function randomInput(batch, seed) {
  const x = new Float32Array(batch * 3 * sizeH * sizeW);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return new ort.Tensor('float32', x, [batch, 3, sizeH, sizeW]);
}

async function runOnce(session, tensor) {
  const feeds = { [session.inputNames[0]]: tensor };
  const t0 = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t0;
  return { ms, out: out[session.outputNames[0]] };
}

const result = {
  ort: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
  size: [sizeH, sizeW],
  spinning: false,
  files: { a: contents(files.a), b: contents(files.b) },
  control: Boolean(a.control),
  runs,
  warmup,
  createRuns,
  levels: {},
};

for (const level of a.levels.split(',')) {
  const create = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < createRuns; r++) {
    for (const k of orderFor(r)) {
      const t0 = performance.now();
      const s = await ort.InferenceSession.create(files[k], sessionOptions(level));
      create[k].push(performance.now() - t0);
      await s.release();
    }
  }
  const sessions = {};
  for (const k of keys) sessions[k] = await ort.InferenceSession.create(files[k], sessionOptions(level));
  const latency = {};
  let agreement;
  for (const batch of a.batches.split(',').map(Number)) {
    const x = randomInput(batch, 1234 + batch);
    for (let w = 0; w < warmup; w++) for (const k of keys) await runOnce(sessions[k], x);
    const t = Object.fromEntries(keys.map((k) => [k, []]));
    for (let r = 0; r < runs; r++) for (const k of orderFor(r)) t[k].push((await runOnce(sessions[k], x)).ms);
    latency[batch] = summary(t);
    if (agreement === undefined) {
      const ya = (await runOnce(sessions.a, x)).out.data;
      const yb = (await runOnce(sessions.b, x)).out.data;
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < ya.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(ya[i] - yb[i]));
        maxRef = Math.max(maxRef, Math.abs(yb[i]));
      }
      agreement = { batch, maxAbsDiff: maxAbs, maxAbsOutput: maxRef };
    }
  }
  for (const k of keys) await sessions[k].release();
  result.levels[level] = { create: summary(create), latency, agreement };
}
if (controlDir) rmSync(controlDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
