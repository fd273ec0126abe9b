/**
 * Micro-benchmarks behind the choices in BENCHMARKS.md ("what moved each number"), each
 * pair of contenders interleaved (A B B A ...) and reported as medians:
 *
 *   node bench/micro.mjs [--runs 9] [--only sampler,imports,build,write,fold,foldcost,symbolic]
 *
 * - sampler: the Ziggurat normal sampler (src/ir/random.ts) vs Box-Muller, same generator
 * - imports: fresh-process import of onnx-proto (the generated protobuf classes) vs the
 *   hand-written wire encoder; of onnxruntime-node; and of what `netforge compile` loads
 * - build: building resnet50's IR in a fresh process (source locations for every node)
 * - write: 100 MB in ~1,100 chunks: one write per chunk vs writev batches; fsync's cost
 * - fold: scaling 25.5M floats into a new array vs in place (the fold-batchnorm proposal)
 * - foldcost: what BatchNorm folding adds to compiling resnet152 (the "under 10%" target):
 *   compile() with and without it, compile() + writeOnnx(), and the whole `netforge compile`
 *   process with and without --no-fold-bn
 * - symbolic: compiling resnet50 with symbolic H and W (`--input-size 3,H,W`: dims as
 *   expressions, equalities proven, the minimum size searched) vs at 224x224, whole
 *   `netforge compile` process, and compile() in process (the target: within 10%)
 * Needs dist/ (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from './lib/machine.mjs';
import { fmt, median } from './lib/stats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '9' }, only: { type: 'string' } } });
const runs = Number(args.runs);
const only = args.only ? new Set(args.only.split(',')) : null;
const want = (k) => only === null || only.has(k);
const rows = [];
const report = (group, name, a, b, unit = 'ms') => {
  rows.push({ group, name, a: median(a.samples), b: median(b.samples), aName: a.name, bName: b.name, unit });
};

/** Interleave two timed functions A B B A ...; each returns ms. */
async function pair(nameA, fa, nameB, fb) {
  const a = { name: nameA, samples: [] };
  const b = { name: nameB, samples: [] };
  await fa();
  await fb();
  for (let r = 0; r < runs; r++) {
    for (const [x, f] of r % 2 ? [[b, fb], [a, fa]] : [[a, fa], [b, fb]]) x.samples.push(await f());
  }
  return [a, b];
}

/** Import these modules, in order, in a fresh Node process; the ms it took. */
function freshImportMs(...specs) {
  const code = `const t=performance.now(); for (const s of ${JSON.stringify(specs)}) await import(s); process.stdout.write(String(performance.now()-t))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
}

const load0 = loadavg();

if (want('sampler')) {
  const { fillNormal, rngFor } = await import('../dist/ir/random.js');
  const N = 8_000_000;
  const out = new Float32Array(N);
  /** Box-Muller with the same xorshift128 inlined: two normals per log, sqrt, cos and sin. */
  const boxMuller = (o, std, seed) => {
    let x = 123456789 ^ seed, y = 362436069, z = 521288629, w = 88675123;
    const next = () => {
      const t = x ^ (x << 11);
      x = y;
      y = z;
      z = w;
      w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      return (w + 0.5) / 4294967296;
    };
    for (let i = 0; i < o.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(next())) * std;
      const th = 2 * Math.PI * next();
      o[i] = r * Math.cos(th);
      if (i + 1 < o.length) o[i + 1] = r * Math.sin(th);
    }
  };
  const time = (f) => () => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  const [a, b] = await pair('Ziggurat', time(() => fillNormal(out, 0.02, rngFor(0, 'w'))), 'Box-Muller', time(() => boxMuller(out, 0.02, 1)));
  report('sampler', `${N / 1e6}M normals, one thread`, a, b);
}

if (want('imports')) {
  const [a, b] = await pair('onnx-proto', () => freshImportMs('onnx-proto'), 'wire.js', () => freshImportMs(join(ROOT, 'dist/backends/onnx/wire.js')));
  report('imports', 'ONNX encoder, fresh process', a, b);
  const [c, d] = await pair('onnxruntime-node', () => freshImportMs('onnxruntime-node'), 'node:fs (baseline)', () => freshImportMs('node:fs'));
  report('imports', 'onnxruntime-node native binding, fresh process', c, d);
  const cli = ['dist/cli/main.js', 'dist/cli/commands/compile.js'].map((f) => join(ROOT, f));
  const [e, f] = await pair('CLI + compile command', () => freshImportMs(...cli), 'dist/index.js', () => freshImportMs(join(ROOT, 'dist/index.js')));
  report('imports', 'what `netforge compile` loads vs the library', e, f);
}

if (want('build')) {
  const code = (model) =>
    `const {ZOO}=await import(${JSON.stringify(join(ROOT, 'dist/zoo/index.js'))}); const {buildModel}=await import(${JSON.stringify(join(ROOT, 'dist/dsl/model.js'))}); const t=performance.now(); buildModel(ZOO.get('${model}')); process.stdout.write(String(performance.now()-t))`;
  const run = (model) => () => Number(spawnSync(process.execPath, ['--input-type=module', '-e', code(model)], { encoding: 'utf8' }).stdout);
  const [a, b] = await pair('resnet50', run('resnet50'), 'resnet152', run('resnet152'));
  report('build', 'buildModel, fresh process (first build: cold JIT)', a, b);
}

if (want('write')) {
  const dir = mkdtempSync(join(tmpdir(), 'netforge-micro-'));
  const buf = new Uint8Array(100_000_000);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 255;
  // ~ONNX shape: per tensor a small header, a length prefix and a big data view
  const chunks = [];
  for (let o = 0, k = 0; o < buf.length; k++) {
    const n = Math.min(buf.length - o, 360_000);
    chunks.push(new Uint8Array(40).fill(k & 255), new Uint8Array(6), buf.subarray(o, o + n), new Uint8Array(3));
    o += n;
  }
  const writeFile = (mode, sync) => () => {
    const p = join(dir, 'w.bin');
    const t = performance.now();
    const fd = openSync(p, 'w');
    if (mode === 'write') {
      for (const c of chunks) for (let off = 0; off < c.byteLength; ) off += writeSync(fd, c, off);
    } else {
      for (let i = 0; i < chunks.length; i += 1024) writevSync(fd, chunks.slice(i, i + 1024));
    }
    if (sync) fsyncSync(fd);
    closeSync(fd);
    const ms = performance.now() - t;
    unlinkSync(p);
    return ms;
  };
  const [a, b] = await pair('write per chunk', writeFile('write', false), 'writev batches', writeFile('writev', false));
  report('write', `100 MB in ${chunks.length} chunks, no fsync`, a, b);
  const [c, d] = await pair('writev + fsync', writeFile('writev', true), 'writev, no fsync', writeFile('writev', false));
  report('write', '100 MB, the cost of fsync', c, d);
  rmSync(dir, { recursive: true, force: true });
}

if (want('fold')) {
  const N = 25_530_000;
  const src = new Float32Array(N);
  for (let i = 0; i < N; i += 97) src[i] = (i % 13) - 6;
  const scale = new Float64Array(2048).fill(1 / Math.sqrt(1 + 1e-5));
  const per = N / 2048;
  const kernel = (s, out) => {
    for (let r = 0, i = 0; r < 2048; r++) {
      const f = scale[r];
      for (const end = Math.min(N, i + per); i < end; i++) out[i] = Math.fround(s[i] * f);
    }
  };
  const fresh = () => {
    const t = performance.now();
    kernel(src, new Float32Array(N));
    return performance.now() - t;
  };
  const inPlace = () => {
    const t = performance.now();
    kernel(src, src);
    return performance.now() - t;
  };
  const [a, b] = await pair('into a new array', fresh, 'in place', inPlace);
  report('fold', '25.5M floats (resnet50) times a per-channel factor', a, b);
}

if (want('foldcost')) {
  const { compile } = await import('../dist/compile.js');
  const { writeOnnx } = await import('../dist/backends/onnx/serialize.js');
  const { ZOO } = await import('../dist/zoo/index.js');
  const def = ZOO.get('resnet152');
  const dir = mkdtempSync(join(tmpdir(), 'nf-foldcost-'));
  const out = join(dir, 'r152.onnx');
  const timed = (fold, write) => () => {
    const t = performance.now();
    const c = compile(def, { foldBatchNorm: fold });
    if (write) writeOnnx(out, c.graph);
    return performance.now() - t;
  };
  const [a, b] = await pair('folded', timed(true, false), 'not folded', timed(false, false));
  report('foldcost', 'resnet152 compile() in process', a, b);
  const [c, d] = await pair('folded', timed(true, true), 'not folded', timed(false, true));
  report('foldcost', 'resnet152 compile() + writeOnnx()', c, d);
  const proc = (extra) => () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/netforge.js'), 'compile', 'resnet152', '-o', out, '-q', ...extra]);
    if (r.status !== 0) throw new Error(String(r.stderr));
    return performance.now() - t;
  };
  const [e, f] = await pair('folded', proc([]), 'not folded', proc(['--no-fold-bn']));
  report('foldcost', 'resnet152 whole `netforge compile` process', e, f);
  rmSync(dir, { recursive: true, force: true });
}

if (want('symbolic')) {
  const { compile } = await import('../dist/compile.js');
  const { ZOO } = await import('../dist/zoo/index.js');
  const def = ZOO.get('resnet50');
  const dir = mkdtempSync(join(tmpdir(), 'nf-symbolic-'));
  const out = join(dir, 'r50.onnx');
  const inProcess = (input) => () => {
    const t = performance.now();
    compile(def, { input });
    return performance.now() - t;
  };
  const [a, b] = await pair('3,H,W', inProcess([3, 'H', 'W']), '3,224,224', inProcess([3, 224, 224]));
  report('symbolic', 'resnet50 compile() in process', a, b);
  const proc = (size) => () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/netforge.js'), 'compile', 'resnet50', '--input-size', size, '-o', out, '-q']);
    if (r.status !== 0) throw new Error(String(r.stderr));
    return performance.now() - t;
  };
  const [c, d] = await pair('3,H,W', proc('3,H,W'), '3,224,224', proc('3,224,224'));
  report('symbolic', 'resnet50 whole `netforge compile` process', c, d);
  rmSync(dir, { recursive: true, force: true });
}

const load1 = loadavg();
const lines = [`Micro-benchmarks, ${runs} interleaved runs each (medians); load (1 min) ${fmt(load0?.['1m'], 2)} -> ${fmt(load1?.['1m'], 2)}`, '', '| group | measure | A | B | A / B |', '|---|---|---:|---:|---:|'];
for (const r of rows) lines.push(`| ${r.group} | ${r.name} | ${r.aName}: ${fmt(r.a, 1)} ${r.unit} | ${r.bName}: ${fmt(r.b, 1)} ${r.unit} | ${fmt(r.a / r.b, 2)} |`);
process.stdout.write(`${lines.join('\n')}\n`);
