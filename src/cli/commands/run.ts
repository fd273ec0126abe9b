/** netforge run model.onnx --input x.npy [--output y.npy] [--ep auto|cpu|webgpu|cuda] [--strict-ep] */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec } from '../args.js';
import { encodeNpy, readNpy } from '../../weights/npy.js';
import { atomicWriteFilesSync } from '../../io/atomicWrite.js';
import { toFloat32 } from '../../weights/tensor.js';
import { releaseSession, runFloat32All } from '../../backends/ort/session.js';
import { createProviderSession, formatEp } from '../../backends/ort/providers.js';
import { NetforgeError } from '../../errors.js';
import { EP_FLAGS, epFrom } from '../epArgs.js';
import { loadOrt } from '../../backends/ort/ort.js';
import { checkOutputs } from '../outputChecks.js';
import { externalDataLocations } from '../../backends/onnx/externalData.js';

const FLAGS: readonly FlagSpec[] = [
  { name: '--input', alias: '-i', type: 'string', help: 'input tensor as a NumPy .npy file (float32 [N, C, H, W])' },
  { name: '--output', alias: '-o', type: 'string', help: 'write the output to this .npy file; DIR/ writes one DIR/<name>.npy per output; name=path,name=path picks outputs' },
  { name: '--top', type: 'int', help: 'print the top-k classes per sample (default 5)' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print nothing on stdout (errors and provider notices still go to stderr, without what native libraries printed while probing)' },
  ...EP_FLAGS,
];

/** A path as typed when it is under the working directory, else absolute. */
const relativeOrAbsolute = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : p;
};

/**
 * Where each output goes: `y.npy` (a model with one output), `DIR/` (one `<name>.npy` per
 * output), or `name=path,...` (the outputs named). Decided before running, so a wrong name
 * costs nothing.
 */
function outputTargets(spec: string | undefined, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (spec === undefined) return out;
  if (spec.includes('=')) {
    for (const pair of spec.split(',')) {
      const [name, path, extra] = pair.split('=');
      if (!name || !path || extra !== undefined) throw usageError(`--output entry '${pair}' is not NAME=PATH`, `e.g. --output ${names[0] ?? 'logits'}=y.npy`);
      if (!names.includes(name)) throw usageError(`--output names '${name}', which is not an output of the model`, `its outputs: ${names.join(', ')}`);
      if (out.has(name)) throw usageError(`--output names '${name}' twice`);
      out.set(name, resolve(path));
    }
    return out;
  }
  const isDir = spec.endsWith('/') || spec.endsWith(sep) || (existsSync(spec) && statSync(spec).isDirectory());
  if (isDir) {
    for (const name of names) out.set(name, resolve(spec, `${name.replace(/[/\\]/g, '_')}.npy`));
    return out;
  }
  if (names.length > 1) {
    throw usageError(`the model has ${names.length} outputs (${names.join(', ')}): one file cannot hold them`, `give a directory (--output ${spec.replace(/\.npy$/, '')}/) for one .npy per output, or --output ${names[0]}=${spec}`);
  }
  out.set(names[0]!, resolve(spec));
  return out;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run an ONNX model in onnxruntime on a .npy input',
  usage: 'netforge run model.onnx --input x.npy [--output y.npy | DIR/ | name=y.npy,...] [--top K] [-q] [--ep auto|cpu|webgpu|cuda] [--strict-ep]  (default --ep cpu)',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('run', argv, FLAGS);
    const model = p.positionals[0];
    if (model === undefined || p.positionals.length > 1) throw usageError('netforge run needs exactly one .onnx file', 'e.g. netforge run resnet50.onnx --input x.npy');
    const top = get.num(p, 'top') ?? 5;
    if (top < 1) throw usageError(`--top must be at least 1, got ${top}`, 'e.g. --top 5');
    const inPath = get.str(p, 'input');
    if (inPath === undefined) throw usageError('netforge run needs --input x.npy');
    loadOrt('netforge run');
    const x = readNpy(resolve(inPath));
    if (x.shape.length === 0) throw new NetforgeError({ code: 'E_INPUT_SHAPE', message: 'the input .npy holds a scalar', file: inPath, hint: 'save an array of shape [N, C, H, W]' });
    const data = toFloat32({ dtype: x.dtype, shape: x.shape, data: x.data }, inPath);
    if (x.dtype !== 'float32' && !get.bool(p, 'quiet')) io.err(`note: ${inPath} holds ${x.dtype}; converted to float32, the model's input type`);
    const { ep, strict } = epFrom(p, 'cpu');
    // -q: the notice stays (a fallback is never silent), what Dawn printed while probing does not
    const ps = await createProviderSession(resolve(model), { ep, strict, onNotice: io.err, nativeDiagnostics: !(get.bool(p, 'quiet') ?? false) });
    const targets = outputTargets(get.str(p, 'output'), ps.session.outputNames);
    // before running: no output may be the model, its external data or the input (a DIR/ made later is checked for collisions only)
    const inputs = [{ what: 'the model', path: model }, ...externalDataLocations(resolve(model)).map((l) => ({ what: "the model's external data", path: join(dirname(resolve(model)), l) })), { what: '--input', path: inPath }];
    const outs = [...targets].map(([name, path]) => ({ what: targets.size > 1 ? `--output (${name})` : '--output', path }));
    checkOutputs(inputs, outs, (o) => existsSync(dirname(o.path)));
    let ys;
    try {
      ys = await runFloat32All(ps.session, data, x.shape);
    } finally {
      await releaseSession(ps.session);
    }
    // every file of one run is written together, or none is
    if (targets.size > 0) {
      // DIR/ is made when it does not exist yet (only now that the run succeeded)
      for (const path of new Set([...targets.values()].map((t) => dirname(t)))) if (!existsSync(path) && get.str(p, 'output')!.match(/[/\\]$/)) mkdirSync(path, { recursive: true });
      atomicWriteFilesSync(ys.filter((y) => targets.has(y.name)).map((y) => ({ path: targets.get(y.name)!, chunks: encodeNpy(targets.get(y.name)!, 'float32', y.dims, new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength)) })));
    }
    if (get.bool(p, 'quiet')) return 0;
    for (const y of ys) if (y.type !== 'float32') io.err(`note: the model's output '${y.name}' is ${y.type}; ${targets.has(y.name) ? 'written and ' : ''}shown as float32`);
    for (const y of ys) {
      const n = y.dims[0] ?? 1;
      const per = y.data.length / n;
      const to = targets.get(y.name);
      io.out(`${y.name} [${y.dims.join(', ')}]${to !== undefined ? ` -> ${relativeOrAbsolute(to)}` : ''} on ${ps.provider} (--ep ${formatEp(ep)}${ps.fellBack ? ', fell back' : ''})`);
      if (y.dims.length === 2) {
        for (let b = 0; b < n; b++) {
          const row = Array.from(y.data.subarray(b * per, (b + 1) * per), (v, i) => [v, i] as const);
          row.sort((a, c) => c[0] - a[0]);
          const k = Math.min(top, row.length);
          io.out(`  sample ${b}: top-${k} ${row.slice(0, k).map(([v, i]) => `${i} (${v.toFixed(4)})`).join(', ')}`);
        }
      }
    }
    return 0;
  },
};
