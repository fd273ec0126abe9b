/** netforge run model.onnx --input x.npy [--output y.npy] [--ep auto|cpu|webgpu|cuda] [--strict-ep] */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec } from '../args.js';
import { readNpy, writeNpy } from '../../weights/npy.js';
import { toFloat32 } from '../../weights/tensor.js';
import { releaseSession, runFloat32 } from '../../backends/ort/session.js';
import { createProviderSession, formatEp } from '../../backends/ort/providers.js';
import { NetforgeError } from '../../errors.js';
import { EP_FLAGS, epFrom } from '../epArgs.js';

const FLAGS: readonly FlagSpec[] = [
  { name: '--input', alias: '-i', type: 'string', help: 'input tensor as a NumPy .npy file (float32 [N, C, H, W])' },
  { name: '--output', alias: '-o', type: 'string', help: 'write the output tensor to this .npy file' },
  { name: '--top', type: 'int', help: 'print the top-k classes per sample (default 5)' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print nothing on stdout (errors and provider notices still go to stderr)' },
  ...EP_FLAGS,
];

export const runCommand: Command = {
  name: 'run',
  summary: 'run an ONNX model in onnxruntime on a .npy input',
  usage: 'netforge run model.onnx --input x.npy [--output y.npy] [--top K] [-q] [--ep auto|cpu|webgpu|cuda] [--strict-ep]  (default --ep cpu)',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('run', argv, FLAGS);
    const model = p.positionals[0];
    if (model === undefined || p.positionals.length > 1) throw usageError('netforge run needs exactly one .onnx file', 'e.g. netforge run resnet50.onnx --input x.npy');
    const top = get.num(p, 'top') ?? 5;
    if (top < 1) throw usageError(`--top must be at least 1, got ${top}`, 'e.g. --top 5');
    const inPath = get.str(p, 'input');
    if (inPath === undefined) throw usageError('netforge run needs --input x.npy');
    const x = readNpy(resolve(inPath));
    if (x.shape.length === 0) throw new NetforgeError({ code: 'E_INPUT_SHAPE', message: 'the input .npy holds a scalar', file: inPath, hint: 'save an array of shape [N, C, H, W]' });
    const data = toFloat32({ dtype: x.dtype, shape: x.shape, data: x.data }, inPath);
    if (x.dtype !== 'float32' && !get.bool(p, 'quiet')) io.err(`note: ${inPath} holds ${x.dtype}; converted to float32, the model's input type`);
    const { ep, strict } = epFrom(p, 'cpu');
    const ps = await createProviderSession(resolve(model), { ep, strict, onNotice: io.err });
    let y;
    try {
      y = await runFloat32(ps.session, data, x.shape);
    } finally {
      await releaseSession(ps.session);
    }
    const outPath = get.str(p, 'output');
    if (outPath !== undefined) writeNpy(resolve(outPath), 'float32', y.dims, new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength));
    if (get.bool(p, 'quiet')) return 0;
    const n = y.dims[0] ?? 1;
    const per = y.data.length / n;
    io.out(`${y.name} [${y.dims.join(', ')}]${outPath ? ` -> ${outPath}` : ''} on ${ps.provider} (--ep ${formatEp(ep)}${ps.fellBack ? ', fell back' : ''})`);
    if (y.dims.length === 2) {
      for (let b = 0; b < n; b++) {
        const row = Array.from(y.data.subarray(b * per, (b + 1) * per), (v, i) => [v, i] as const);
        row.sort((a, c) => c[0] - a[0]);
        const k = Math.min(top, row.length);
        io.out(`  sample ${b}: top-${k} ${row.slice(0, k).map(([v, i]) => `${i} (${v.toFixed(4)})`).join(', ')}`);
      }
    }
    return 0;
  },
};
