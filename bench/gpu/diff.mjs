// Output differences between a GPU provider and the cpu provider for netforge models, for
// bench/gpu/run-gpu.sh. Uses the built library (dist/), so run `npm run build` first.
//
//   node bench/gpu/diff.mjs --gpu webgpu --out diff.json [--onnx torch_resnet50.onnx] [--size 224]
//
// Models: resnet50, resnext50_32x4d, resnet50 with replace_stride_with_dilation
// false,true,true; seeded weights (seed 0) and seeded, non-trivial BatchNorm statistics
// (randomize-batchnorm), BatchNorm folded. Input: seeded N(0, 1), batch 2.
// For each: max|a-b| / max|a| (a = cpu float32) of
//   gpu float32, gpu float16 (to-float16 pass), cpu float16.
// The GPU sessions are strict (--strict-ep semantics: no provider or node-level fallback),
// so a figure labelled webgpu really is webgpu; if onnxruntime refuses strict mode the
// figure is measured without it and carries `strict: false` and the reason. `--gpu cpu` runs the same code on the cpu
// provider twice (to test this script without a GPU: the float32 difference must be 0).
import { writeFileSync } from 'node:fs';
import { compile } from '../../dist/compile.js';
import { ZOO } from '../../dist/zoo/index.js';
import { runPasses } from '../../dist/passes/manager.js';
import { toFloat16Pass } from '../../dist/passes/toFloat16.js';
import { toOnnxBytes } from '../../dist/backends/onnx/serialize.js';
import { createProviderSession } from '../../dist/backends/ort/providers.js';
import { releaseSession, runFloat32 } from '../../dist/backends/ort/session.js';
import { fillNormal, rngFor } from '../../dist/ir/random.js';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const gpu = args.gpu ?? 'webgpu';
const size = Number(args.size ?? 224);
const out = args.out ?? 'diff.json';

function relDiff(a, b) {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = Number.isNaN(e) ? NaN : e;
    m = Math.max(m, Math.abs(a[i]));
  }
  return { maxRel: d / m, maxAbs: d, refMaxAbs: m };
}

async function run(model, provider, x, dims, strict) {
  const t0 = performance.now();
  const ps = await createProviderSession(model, { ep: { kind: 'list', providers: [provider] }, strict, onNotice: (n) => console.error(n) });
  try {
    const y = await runFloat32(ps.session, x, dims);
    return { y: y.data, provider: ps.provider, ms: performance.now() - t0 };
  } finally {
    await releaseSession(ps.session);
  }
}

// Strict first (no node on the CPU); if onnxruntime refuses that, measure again without it
// and record why, so the first run on a GPU machine still yields figures.
async function onGpu(model, reference) {
  let strictError;
  for (const strict of [true, false]) {
    try {
      const g = await run(model, gpu, x, dims, strict);
      return { ...relDiff(reference, g.y), provider: g.provider, strict, sessionAndRunMs: g.ms, finite: g.y.every(Number.isFinite), ...(strictError ? { strictError } : {}) };
    } catch (e) {
      if (strict) strictError = `${e.code ?? ''} ${e.message}`.trim();
      else return { error: `${e.code ?? ''} ${e.message}`.trim(), strictError };
    }
  }
}

const dims = [2, 3, size, size];
const x = new Float32Array(dims.reduce((a, b) => a * b, 1));
fillNormal(x, 1, rngFor(0, 'netforge.gpu.diff.input'));

const cases = [
  ['resnet50', {}],
  ['resnext50_32x4d', {}],
  ['resnet50', { replaceStrideWithDilation: [false, true, true] }],
];
const results = [];
for (const [name, opts] of cases) {
  const label = opts.replaceStrideWithDilation ? `${name} dilation ${opts.replaceStrideWithDilation.join(',')}` : name;
  const r = { model: label, gpu };
  try {
    const g32 = compile(ZOO.get(name), { seed: 0, randomizeBatchNorm: true, input: [3, size, size], ...opts }).graph;
    const g16 = runPasses(g32, [toFloat16Pass()]).graph;
    const b32 = toOnnxBytes(g32);
    const b16 = toOnnxBytes(g16);
    const cpu32 = await run(b32, 'cpu', x, dims, true);
    const cpu16 = await run(b16, 'cpu', x, dims, true);
    r.cpuFloat16VsCpuFloat32 = relDiff(cpu32.y, cpu16.y);
    for (const [key, bytes] of [['gpuFloat32VsCpuFloat32', b32], ['gpuFloat16VsCpuFloat32', b16]]) {
      r[key] = await onGpu(bytes, cpu32.y);
    }
  } catch (e) {
    r.error = `${e.code ?? ''} ${e.message}`.trim();
  }
  results.push(r);
  console.log(JSON.stringify(r));
}
if (args.onnx) {
  const r = { model: `torch.onnx.export resnet50 (${args.onnx})`, gpu };
  try {
    const cpu32 = await run(args.onnx, 'cpu', x, dims, true);
    r.gpuFloat32VsCpuFloat32 = await onGpu(args.onnx, cpu32.y);
  } catch (e) {
    r.error = `${e.code ?? ''} ${e.message}`.trim();
  }
  results.push(r);
  console.log(JSON.stringify(r));
}
writeFileSync(out, JSON.stringify({ input: `N(0, 1) seeded, [${dims.join(', ')}]`, measure: 'max|a-b| / max|a|, a = cpu float32', results }, null, 2));
