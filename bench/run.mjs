/**
 * netforge's benchmarks, side by side with the reference toolchain (torch.onnx.export).
 *
 *   npm run bench [-- --models resnet50,resnet152] [--runs 5] [--runtime-runs 30] [--create-runs 15]
 *                 [--skip-torch] [--skip-runtime] [--runtime-model resnet50] [--out DIR]
 *                 [--runtime-size 224] [--runtime-batches 1,8] [--runtime-levels all,disabled]
 *                 [--baseline DIR] [--torch-threads N] [--note TEXT]
 *
 * --runtime-size defaults to 520 for a segmentation model (torchvision's evaluation size),
 * 224 otherwise.
 *
 * 1. Compile, per zoo model, contenders interleaved round by round (the order rotates):
 *    - netforge whole process: `node bin/netforge.js compile <m> -o x.onnx -q` (seeded
 *      init, verification, BatchNorm folding, ONNX written), wall time and peak RSS
 *      (/usr/bin/time -f %M);
 *    - netforge in process: compile() + writeOnnx() in a warm Node process (dist/);
 *    - torch.onnx.export of the torchvision model in a warm Python process (model built,
 *      only the export call timed; opset 17, eval, dynamic batch, constant folding).
 *    - with --baseline DIR: the same two for the netforge build in DIR (a copy of the
 *      repository before a change, built), as more contenders in the same rounds.
 *    Each contender runs once untimed first; then medians of --runs rounds.
 * 2. Runtime: onnxruntime-node CPU sessions on netforge's and torch's ONNX of the same
 *    model with the same weights (torch's state_dict loaded by netforge --weights):
 *    session creation and batch 1 / 8 latency at graph optimization 'all' and 'disabled'.
 * 3. Scaling: compile time and peak RSS against parameter count (table + SVG).
 * Writes DIR/results.json, DIR/results.md, DIR/scaling.svg (DIR defaults to bench/results)
 * and prints the Markdown. Needs dist/ (built by `npm ci` through `prepare`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { JsonChild, runTimed } from './lib/child.mjs';
import { loadavg, machineInfo } from './lib/machine.mjs';
import { fmt, linearFit, median, summarize } from './lib/stats.mjs';
import { scalingSvg } from './lib/svg.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'runtime-runs': { type: 'string', default: '30' },
    'create-runs': { type: 'string', default: '15' },
    'runtime-model': { type: 'string', default: 'resnet50' },
    'runtime-size': { type: 'string' },
    'runtime-batches': { type: 'string', default: '1,8' },
    'runtime-levels': { type: 'string', default: 'all,disabled' },
    'skip-torch': { type: 'boolean', default: false },
    'skip-runtime': { type: 'boolean', default: false },
    'skip-compile': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    baseline: { type: 'string' },
    'torch-threads': { type: 'string' },
    note: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${(await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8').match(/\/\*\*([\s\S]*?)\*\//)[1].replace(/^ \* ?/gm, '')}\n`);
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing: run `npm run build` (npm ci builds it through `prepare`)');
  process.exit(1);
}

const log = (s) => process.stderr.write(`${s}\n`);
const { ZOO } = await import('../dist/zoo/index.js');
const models = args.models ? args.models.split(',').map((s) => s.trim()).filter(Boolean) : [...ZOO.keys()];
for (const m of models) {
  if (!ZOO.has(m)) {
    console.error(`bench: unknown model '${m}'; zoo: ${[...ZOO.keys()].join(', ')}`);
    process.exit(2);
  }
}
const runs = Math.max(1, Number(args.runs));
const machine = machineInfo(ROOT);
const loads = [];
const sampleLoad = () => {
  const l = loadavg();
  if (l) loads.push(l['1m']);
};
sampleLoad();

function torchAvailable() {
  if (args['skip-torch']) return { ok: false, why: '--skip-torch' };
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, why: `${PYTHON} lacks torch/torchvision (apt-get install python3-torch python3-torchvision)` };
  const [torch, torchvision] = r.stdout.trim().split(/\s+/);
  return { ok: true, torch, torchvision };
}
const torch = torchAvailable();
if (!torch.ok) log(args['skip-torch'] ? 'bench: --skip-torch: no torch.onnx.export comparison' : `bench: python3-torch is absent (${torch.why}): skipping the torch.onnx.export comparison`);
const torchvisionHas = (m) => !m.startsWith('cifar_');

const work = mkdtempSync(join(tmpdir(), 'netforge-bench-'));
const timeCmd = machine.timeCommand;
if (!timeCmd) log('bench: /usr/bin/time not found: peak RSS of the netforge process is not measured');

/**
 * One whole `netforge compile` process of the build at `root`: wall ms, peak RSS in KiB
 * and CPU ms (user + sys, all threads). The output is removed afterwards (unless `keep`),
 * so every run writes a new file, as torch's runs do.
 */
async function cliCompile(model, out, extra = [], keep = false, root = ROOT) {
  const cmd = timeCmd ?? process.execPath;
  const argv = [...(timeCmd ? ['-f', '__rusage %M %U %S', process.execPath] : []), join(root, 'bin', 'netforge.js'), 'compile', model, '-o', out, '-q', ...extra];
  const r = await runTimed(cmd, argv, { cwd: work });
  if (r.code !== 0) throw new Error(`netforge compile ${model} (${root}) failed (${r.code}):\n${r.stderr}`);
  if (!keep) rmSync(out, { force: true });
  const m = r.stderr.match(/__rusage (\d+) ([\d.]+) ([\d.]+)/);
  return { ms: r.ms, rssKb: m ? Number(m[1]) : null, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : null };
}

/** torch's intra-op threads: --torch-threads, else as many as netforge may use (all cores). */
const torchThreads = Number(args['torch-threads'] ?? machine.cores);

function startPython(model) {
  return new JsonChild(PYTHON, [join(ROOT, 'bench', 'torch_export.py'), model, String(torchThreads)], { cwd: work });
}

function startNodeWorker(root) {
  return new JsonChild(process.execPath, [join(ROOT, 'bench', 'compileWorker.mjs'), root], { cwd: work });
}

/** The netforge builds to time: this checkout, and with --baseline another (e.g. before a change). */
const builds = [{ key: 'netforge', root: ROOT }, ...(args.baseline ? [{ key: 'baseline', root: resolve(args.baseline) }] : [])];
for (const b of builds) {
  if (!existsSync(join(b.root, 'dist', 'index.js')) || !existsSync(join(b.root, 'bin', 'netforge.js'))) {
    console.error(`bench: ${b.root} has no built netforge (dist/index.js, bin/netforge.js)`);
    process.exit(2);
  }
}

/** Timed runs of one netforge build on one model: whole process and in process. */
function netforgeContender(build, model, out) {
  const t = { cli: [], cliCpu: [], cliRss: [], inProc: [], phases: [] };
  const node = startNodeWorker(build.root);
  return {
    t,
    node,
    async first() {
      const ready = await node.next();
      const cli = await cliCompile(model, out, [], false, build.root);
      const inProcess = await node.request({ model, out });
      return { ready, cli, inProcess };
    },
    runs: [
      async () => {
        const r = await cliCompile(model, out, [], false, build.root);
        t.cli.push(r.ms);
        if (r.rssKb !== null) t.cliRss.push(r.rssKb);
        if (r.cpuMs !== null) t.cliCpu.push(r.cpuMs);
      },
      async () => {
        const r = await node.request({ model, out });
        t.inProc.push(r.ms);
        t.phases.push(r.phases);
      },
    ],
    summary(first) {
      const phaseNames = Object.keys(t.phases[0] ?? {});
      return {
        cli: summarize(t.cli),
        cliFirstMs: first.cli.ms,
        cliRssKb: summarize(t.cliRss),
        cliCpu: summarize(t.cliCpu),
        inProcess: summarize(t.inProc),
        inProcessFirstMs: first.inProcess.ms,
        importMs: first.ready.importMs,
        phases: Object.fromEntries(phaseNames.map((p) => [p, median(t.phases.map((x) => x[p]))])),
      };
    },
  };
}

// ---------------------------------------------------------------- 1. compile
const compileRows = [];
let torchInfo = null;
if (!args['skip-compile']) {
  for (const model of models) {
    log(`bench: ${model}: ${runs} rounds`);
    const out = join(work, `${model}.onnx`);
    const py = torch.ok && torchvisionHas(model) ? startPython(model) : null;
    const nf = builds.map((b) => netforgeContender(b, model, out));
    // One untimed run each: file cache, JIT, torch.onnx's lazy imports.
    const firsts = [];
    for (const c of nf) firsts.push(await c.first());
    const pyReady = py ? await py.next() : null;
    if (pyReady) torchInfo ??= { torch: pyReady.torch, torchvision: pyReady.torchvision, threads: pyReady.threads };
    const firstTorch = py ? await py.request({ out: `${out}.torch` }) : null;
    const tExp = [];
    const tExpCpu = [];
    let pyRss = null;
    const contenders = [
      ...nf.flatMap((c) => c.runs),
      ...(py
        ? [
            async () => {
              const r = await py.request({ out: `${out}.torch` });
              tExp.push(r.ms);
              tExpCpu.push(r.cpu_ms);
              pyRss = r.maxrss_kb;
            },
          ]
        : []),
    ];
    // The order rotates each round, so no contender always runs first (or after torch).
    for (let r = 0; r < runs; r++) {
      sampleLoad();
      for (let k = 0; k < contenders.length; k++) await contenders[(k + r) % contenders.length]();
    }
    for (const c of nf) await c.node.close();
    if (py) await py.close();
    const main = nf[0].summary(firsts[0]);
    const params = firsts[0].inProcess.params;
    compileRows.push({
      model,
      params,
      weightBytes: params * 4,
      ...main,
      ...(nf[1] ? { baseline: nf[1].summary(firsts[1]) } : {}),
      torch: py ? { export: summarize(tExp), exportCpu: summarize(tExpCpu), firstMs: firstTorch.ms, maxrssKb: pyRss, maxrssKbBeforeExport: pyReady.maxrss_kb_before_export, buildMs: pyReady.build_ms } : null,
      ratio: py ? median(tExp) / main.cli.median : null,
      ratioInProcess: py ? median(tExp) / main.inProcess.median : null,
    });
    const row = compileRows[compileRows.length - 1];
    log(
      `  netforge ${fmt(row.cli.median)} ms (in process ${fmt(row.inProcess.median)} ms), peak ${fmt(row.cliRssKb.median / 1024)} MiB` +
        `${row.baseline ? `; baseline ${fmt(row.baseline.cli.median)} ms, peak ${fmt(row.baseline.cliRssKb.median / 1024)} MiB` : ''}` +
        `${py ? `; torch.onnx.export ${fmt(row.torch.export.median)} ms, ${fmt(row.ratio, 1)}x` : ''}`,
    );
  }
}

// ---------------------------------------------------------------- 2. runtime
let runtime = null;
if (!args['skip-runtime']) {
  const model = args['runtime-model'];
  if (!torch.ok) log('bench: runtime comparison skipped (needs the torch-exported file)');
  else {
    log(`bench: onnxruntime-node CPU, ${model}: netforge vs torch-exported`);
    const py = startPython(model);
    await py.next();
    const pth = join(work, `${model}.pth`);
    const torchOnnx = join(work, `${model}.torch.onnx`);
    const nfOnnx = join(work, `${model}.netforge.onnx`);
    await py.request({ state_dict: pth });
    await py.request({ out: torchOnnx, keep: true });
    await py.close();
    await cliCompile(model, nfOnnx, ['--weights', pth], true);
    sampleLoad();
    const size = args['runtime-size'] ?? (ZOO.get(model)?.auxHead !== undefined ? '520' : '224');
    const r = await runTimed(
      process.execPath,
      [join(ROOT, 'bench', 'runtime.mjs'), '--a', nfOnnx, '--b', torchOnnx, '--runs', args['runtime-runs'], '--create-runs', args['create-runs'], '--size', size, '--batches', args['runtime-batches'], '--levels', args['runtime-levels'], '--control'],
      { cwd: work },
    );
    sampleLoad();
    if (r.code !== 0) throw new Error(`bench/runtime.mjs failed:\n${r.stderr}`);
    runtime = { model, weights: 'torchvision random init (weights=None), saved by torch and loaded by netforge --weights: identical in both files', ...JSON.parse(r.stdout) };
  }
}
sampleLoad();
rmSync(work, { recursive: true, force: true });

// ---------------------------------------------------------------- 3. report
const byModel = new Map(compileRows.map((r) => [r.model, r]));
const MB = 1e6;
const targets = [];
const r50 = byModel.get('resnet50');
const r152 = byModel.get('resnet152');
if (r50) targets.push({ target: 'resnet50 whole `netforge compile` process < 0.5 s', value: `${fmt(r50.cli.median)} ms (median of ${r50.cli.n}; min ${fmt(r50.cli.min)}; CPU ${fmt(r50.cliCpu.median)} ms)`, met: r50.cli.median < 500 });
if (r50 && r152) {
  const pr = r152.params / r50.params;
  const tr = r152.cli.median / r50.cli.median;
  targets.push({ target: `time linear in params: resnet152/resnet50 time ratio <= 1.2 x param ratio (${fmt(pr, 3)})`, value: `${fmt(tr, 2)} (limit ${fmt(1.2 * pr, 2)})`, met: tr <= 1.2 * pr });
}
for (const r of [r50, r152]) {
  if (r?.ratio != null) targets.push({ target: `${r.model}: whole-process compile >= 10x faster than torch.onnx.export`, value: `${fmt(r.torch.export.median)} / ${fmt(r.cli.median)} ms = ${fmt(r.ratio, 1)}x`, met: r.ratio >= 10 });
}
const wrn = byModel.get('wide_resnet101_2');
if (wrn && wrn.cliRssKb.n) {
  const limit = 2 * wrn.weightBytes + 200 * MB;
  const peak = wrn.cliRssKb.max * 1024;
  targets.push({ target: 'wide_resnet101_2 peak RSS < 2 x weight bytes + 200 MB', value: `${fmt(peak / MB)} MB (limit ${fmt(limit / MB)} MB; max of ${wrn.cliRssKb.n})`, met: peak < limit });
}
if (runtime) {
  // The noise band, per kind of measure: how far the control (a copy of A) strayed from A.
  const levels = Object.values(runtime.levels);
  const bandOf = (xs) => Math.max(0, ...xs.map((x) => Math.abs((x.controlRatio ?? 1) - 1)));
  const band = { create: bandOf(levels.map((l) => l.create)), latency: bandOf(levels.flatMap((l) => Object.values(l.latency))) };
  const verdict = (ratio, kind) => (ratio <= 1 ? true : ratio - 1 <= band[kind] ? `noise:${kind}` : false);
  const noise = (x) => (x.controlRatio !== undefined ? `; control A/C ${fmt(x.controlRatio, 3)}` : '');
  for (const [level, l] of Object.entries(runtime.levels)) {
    targets.push({ target: `onnxruntime session creation, optimization '${level}': netforge/torch <= 1.0`, value: `${fmt(l.create.medianA, 1)} / ${fmt(l.create.medianB, 1)} ms = ${fmt(l.create.ratio, 3)}${noise(l.create)}`, met: verdict(l.create.ratio, 'create') });
    for (const [b, x] of Object.entries(l.latency)) {
      targets.push({ target: `onnxruntime batch ${b} latency, optimization '${level}': netforge/torch <= 1.0`, value: `${fmt(x.medianA, 2)} / ${fmt(x.medianB, 2)} ms = ${fmt(x.ratio, 3)}${noise(x)}`, met: verdict(x.ratio, 'latency') });
    }
  }
  runtime.noiseBand = band;
}

const fit = linearFit(compileRows.map((r) => [r.params / 1e6, r.cli.median]));
const fitIn = linearFit(compileRows.map((r) => [r.params / 1e6, r.inProcess.median]));
const loadSummary = loads.length ? { median1m: median(loads), max1m: Math.max(...loads), samples: loads } : null;
const results = {
  machine: { ...machine, ...(args.note ? { note: args.note } : {}), torch: torchInfo?.torch ?? (torch.ok ? torch.torch : null), torchvision: torchInfo?.torchvision ?? null, torchThreads: torchInfo?.threads ?? null, load: loadSummary },
  settings: { runs, models, runtimeRuns: Number(args['runtime-runs']) },
  compile: compileRows,
  scalingFit: { wholeProcess: fit, inProcess: fitIn, units: 'ms = intercept + slope * (params / 1e6)' },
  runtime,
  targets,
};

const lines = [];
const l = (s = '') => lines.push(s);
const m = results.machine;
l(`Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.date}; load (1 min) median ${fmt(loadSummary?.median1m, 2)}, max ${fmt(loadSummary?.max1m, 2)}`);
if (m.note) l(`Measured: ${m.note}`);
l(`Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, torch ${m.torch ?? 'absent'}${m.torchvision ? `, torchvision ${m.torchvision}` : ''}${m.torchThreads ? ` (${m.torchThreads} intra-op thread${m.torchThreads > 1 ? 's' : ''})` : ''}; netforge ${m.netforge} (${m.git}); ${runs} interleaved rounds after one untimed run each`);
if (compileRows.length) {
  l();
  l('Wall time (medians), CPU time (user + sys, all threads) in parentheses; peak RSS in MiB.');
  l();
  l('| model | params | netforge compile (process) | in process | torch.onnx.export | export / netforge | netforge peak RSS | torch peak RSS |');
  l('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of compileRows) {
    const cpu = (s) => (s && s.n ? ` (${fmt(s.median)})` : '');
    l(`| ${r.model} | ${(r.params / 1e6).toFixed(2)}M | ${fmt(r.cli.median)} ms${cpu(r.cliCpu)} | ${fmt(r.inProcess.median)} ms | ${r.torch ? `${fmt(r.torch.export.median)} ms${cpu(r.torch.exportCpu)}` : 'n/a'} | ${r.ratio != null ? `${fmt(r.ratio, 1)}x` : 'n/a'} | ${fmt(r.cliRssKb.median / 1024)} | ${r.torch ? fmt(r.torch.maxrssKb / 1024) : 'n/a'} |`);
  }
  if (compileRows.some((r) => r.baseline)) {
    l();
    l(`This build against the baseline (${resolve(args.baseline)}), same rounds; ratio = this / baseline:`);
    l();
    l('| model | whole process | CPU time | peak RSS (MiB) | in process |');
    l('|---|---:|---:|---:|---:|');
    const cmp = (a, b, d = 0) => `${fmt(a, d)} / ${fmt(b, d)} = ${fmt(a / b, 2)}`;
    for (const r of compileRows.filter((x) => x.baseline)) {
      const b = r.baseline;
      l(`| ${r.model} | ${cmp(r.cli.median, b.cli.median)} | ${cmp(r.cliCpu.median, b.cliCpu.median)} | ${cmp(r.cliRssKb.median / 1024, b.cliRssKb.median / 1024)} | ${cmp(r.inProcess.median, b.inProcess.median)} |`);
    }
  }
  l();
  l('In-process phases (median ms):');
  l();
  const phaseNames = [...new Set(compileRows.flatMap((r) => [...Object.keys(r.phases), ...Object.keys(r.baseline?.phases ?? {})]))];
  l(`| model | import dist/ | ${phaseNames.join(' | ')} |`);
  l(`|---|---:|${phaseNames.map(() => '---:').join('|')}|`);
  for (const r of compileRows) {
    l(`| ${r.model} | ${fmt(r.importMs)} | ${phaseNames.map((p) => fmt(r.phases[p], 1)).join(' | ')} |`);
    if (r.baseline) l(`| ${r.model} (baseline) | ${fmt(r.baseline.importMs)} | ${phaseNames.map((p) => fmt(r.baseline.phases[p], 1)).join(' | ')} |`);
  }
  l();
  l('Scaling (netforge whole process):');
  l();
  l('| model | params | float32 weights | time | CPU time | ms per M params | peak RSS | RSS / weights |');
  l('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of [...compileRows].sort((a, b) => a.params - b.params)) {
    const rss = r.cliRssKb.median * 1024;
    l(`| ${r.model} | ${(r.params / 1e6).toFixed(2)}M | ${fmt(r.weightBytes / MB)} MB | ${fmt(r.cli.median)} ms | ${fmt(r.cliCpu.median)} ms | ${fmt(r.cli.median / (r.params / 1e6), 1)} | ${fmt(rss / MB)} MB | ${fmt(rss / r.weightBytes, 2)} |`);
  }
  if (fit) l(`\nLeast squares: whole process ${fmt(fit.intercept)} ms + ${fmt(fit.slope, 2)} ms per M params (R^2 ${fmt(fit.r2, 3)})${fitIn ? `; in process ${fmt(fitIn.intercept)} ms + ${fmt(fitIn.slope, 2)} ms per M params (R^2 ${fmt(fitIn.r2, 3)})` : ''}.`);
}
if (runtime) {
  const a = runtime.files.a;
  const b = runtime.files.b;
  const ops = (f) => Object.entries(f.ops).map(([k, v]) => `${k} ${v}`).join(', ');
  l();
  l(`onnxruntime-node ${runtime.ort} CPU provider, ${runtime.model} at ${runtime.size.join('x')}, ${runtime.weights}; ${runtime.runs} interleaved runs after ${runtime.warmup} warm-up, session creation ${runtime.createRuns} each; intra-op spinning off (several sessions in one process):`);
  l();
  l(`- A netforge: ${a.nodes} nodes (${ops(a)}), ${a.initializers} initializers, ${fmt(a.initializerBytes / MB, 1)} MB float32`);
  l(`- B torch: ${b.nodes} nodes (${ops(b)}), ${b.initializers} initializers, ${fmt(b.initializerBytes / MB, 1)} MB float32`);
  l();
  l('C is a byte-identical copy of A, timed in the same rounds: A / C is the noise band.');
  l();
  l('| optimization | measure | netforge (A) | torch (B) | A / B | control A / C |');
  l('|---|---|---:|---:|---:|---:|');
  for (const [level, x] of Object.entries(runtime.levels)) {
    l(`| ${level} | session creation | ${fmt(x.create.medianA, 1)} ms | ${fmt(x.create.medianB, 1)} ms | ${fmt(x.create.ratio, 3)} | ${fmt(x.create.controlRatio, 3)} |`);
    for (const [batch, t] of Object.entries(x.latency)) l(`| ${level} | batch ${batch} latency | ${fmt(t.medianA, 2)} ms | ${fmt(t.medianB, 2)} ms | ${fmt(t.ratio, 3)} | ${fmt(t.controlRatio, 3)} |`);
  }
  const ag = runtime.levels.all?.agreement;
  if (ag) l(`\nOutputs agree: max |A - B| = ${ag.maxAbsDiff.toExponential(2)} at batch ${ag.batch} (largest |output| ${fmt(ag.maxAbsOutput, 3)}).`);
}
if (targets.length) {
  l();
  l('| target | measured | met |');
  l('|---|---|---|');
  const within = (kind) => `within noise (the control strayed up to ${fmt(runtime.noiseBand[kind] * 100, 1)}%)`;
  for (const t of targets) l(`| ${t.target} | ${t.value} | ${typeof t.met === 'string' ? within(t.met.slice(6)) : t.met ? 'yes' : 'NO'} |`);
}
const md = `${lines.join('\n')}\n`;

mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(args.out, 'results.md'), md);
if (compileRows.length >= 2) {
  const svg = scalingSvg(
    compileRows.map((r) => ({ model: r.model, paramsM: r.params / 1e6, timeS: r.cli.median / 1000, inProcessS: r.inProcess.median / 1000, rssMB: (r.cliRssKb.median * 1024) / MB })),
    `${m.cpu}, ${m.cores} cores; Node ${m.node}; ${m.date.slice(0, 10)}; median of ${runs}; load ${fmt(loadSummary?.median1m, 1)}`,
  );
  writeFileSync(join(args.out, 'scaling.svg'), svg);
}
process.stdout.write(md);
log(`bench: wrote ${join(args.out, 'results.json')}, results.md${compileRows.length >= 2 ? ', scaling.svg' : ''}`);
