/**
 * Parity with torchvision's own segmentation models: torchvision builds each with random
 * weights, random BatchNorm statistics and the auxiliary head (weights_backbone=None: nothing
 * is downloaded); netforge compiles the architecture ONCE from the saved state dict, with
 * symbolic H and W and BatchNorm folded, and that one file runs in onnxruntime at 256x256 and
 * 321x257: `out` and `aux` must equal torchvision's within 1e-4 relative to their largest
 * magnitude. The files pass onnx.checker's full check, and their ops are compared with
 * torch.onnx.export's graph of the same model (dynamic N, H, W), Identity nodes aside.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { writeOnnx } from '../../src/backends/onnx/serialize.js';
import { createSession, releaseSession, runFloat32All } from '../../src/backends/ort/session.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { relError } from '../helpers/closeness.js';
import { opCounts, readModel } from '../helpers/onnx.js';

const HERE = import.meta.dirname;
const TOLERANCE = 1e-4;
const SIZES: [number, number][] = [
  [256, 256],
  [321, 257],
];
const MODELS = ['deeplabv3_resnet50', 'fcn_resnet50', 'deeplabv3_resnet101', 'fcn_resnet101'];
const KWARGS = { aux_loss: true, weights_backbone: null };

const skip = !pythonHas().torch;
const dir = mkdtempSync(join(tmpdir(), 'netforge-parity-seg-'));


/**
 * Ops that compute a Resize's run-time size, in either graph, and the rest: the architecture.
 * A Concat along axis 1 joins maps (ASPP's branches); along axis 0, shapes.
 */
const SIZE_OPS = new Set(['Shape', 'Slice', 'Gather', 'Unsqueeze', 'Cast', 'Constant']);
const split = (ops: Record<string, number>, concatAxes: readonly number[]): { architecture: Record<string, number>; sizes: Record<string, number> } => {
  const architecture: Record<string, number> = {};
  const sizes: Record<string, number> = {};
  for (const [k, v] of Object.entries(ops)) if (k !== 'Concat') (SIZE_OPS.has(k) ? sizes : architecture)[k] = v;
  const maps = concatAxes.filter((a) => a === 1).length;
  if (maps > 0) architecture['Concat'] = maps;
  if (concatAxes.length > maps) sizes['Concat'] = concatAxes.length - maps;
  return { architecture, sizes };
};
const concatAxes = (m: ReturnType<typeof readModel>): number[] =>
  (m.graph?.node ?? []).filter((n) => n.opType === 'Concat').map((n) => Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 0));

describe.skipIf(skip)('parity with torchvision\'s segmentation models (one symbolic file, two sizes, out and aux)', () => {
  beforeAll(async () => {
    const cases = MODELS.map((model) => ({ name: model, model, kwargs: KWARGS, sizes: SIZES, seed: 31 }));
    // asynchronously: torch takes minutes here, and a blocked worker loses vitest's heartbeat
    const child = spawn(PYTHON, [join(HERE, 'make_sizes.py'), dir, JSON.stringify(cases)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`make_sizes.py failed (${code}): ${stderr}`);
  });

  const rows: string[] = [];
  for (const model of MODELS) {
    test(`${model}: ${SIZES.map(([h, w]) => `${h}x${w}`).join(' and ')}`, async () => {
      const d = join(dir, model);
      const c = compile(ZOO.get(model)!, { weights: join(d, 'weights.pth'), auxLoss: true });
      expect(c.notices).toEqual([]);
      const file = join(dir, `${model}.onnx`);
      writeOnnx(file, c.graph);
      const session = await createSession(file);
      try {
        for (const [i, [h, w]] of SIZES.entries()) {
          const x = readNpy(join(d, `input_${i}.npy`));
          const ys = await runFloat32All(session, toFloat32(x), x.shape);
          expect(ys.map((y) => y.name)).toEqual(['out', 'aux']);
          for (const y of ys) {
            expect(y.dims).toEqual([1, 21, h, w]);
            const r = relError(y.data, toFloat32(readNpy(join(d, `expected_${i}_${y.name}.npy`))));
            rows.push(`${model} ${h}x${w} ${y.name} max rel ${r.toExponential(2)}`);
            expect(r).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      } finally {
        await releaseSession(session);
      }
    });
  }

  for (const model of ['deeplabv3_resnet50', 'fcn_resnet50']) {
    test(`${model}: onnx.checker full_check; ops against torch.onnx.export's (Identity aside)`, () => {
      const file = join(dir, `${model}_seeded.onnx`);
      writeOnnx(file, compile(ZOO.get(model)!, { auxLoss: true }).graph);
      const check = spawnSync(PYTHON, ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', file], { encoding: 'utf8' });
      expect(check.stdout.trim(), check.stderr).toBe('ok');
      const torch = spawnSync(PYTHON, [join(HERE, 'onnx_ops.py'), model, '64', join(dir, `${model}_torch.onnx`), JSON.stringify(KWARGS), '--dynamic'], { encoding: 'utf8' });
      expect(torch.status, torch.stderr).toBe(0);
      const ref = JSON.parse(torch.stdout) as { ops: Record<string, number>; identity: number; outputs: string[]; resize_modes: string[]; concat_axes: number[] };
      const m = readModel(file);
      const ours = opCounts(m);
      const resizes = ours['Resize']!;
      // the same network: convolutions, activations, pooling, the ASPP concat, the resizes
      const a = split(ours, concatAxes(m));
      const b = split(ref.ops, ref.concat_axes);
      expect(a.architecture).toEqual(b.architecture);
      expect(ref.outputs).toEqual(['out', 'aux']);
      // the same interpolation: torch writes half_pixel for align_corners=False too
      expect(ref.resize_modes).toEqual(Array(resizes).fill('half_pixel'));
      // netforge computes each size as Concat(Slice(Shape(x), 0, 2), Slice(Shape(reference), 2, 4)), constants as initializers
      expect(a.sizes).toEqual({ Shape: 2 * resizes, Slice: 2 * resizes, Concat: resizes });
      expect(ours['Identity']).toBeUndefined();
      rows.push(`${model}: architecture ${JSON.stringify(a.architecture)}; sizes: netforge ${JSON.stringify(a.sizes)}, torch.onnx.export ${JSON.stringify(b.sizes)} + ${ref.identity} Identity`);
    });
  }

  test('report', () => {
    console.log(rows.join('\n'));
  });
});
