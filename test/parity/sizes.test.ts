/**
 * Parity with torchvision at any input size: each torchvision model of the zoo is compiled
 * ONCE with symbolic H and W (`input: [3, 'H', 'W']`, BatchNorm folded, torchvision's
 * weights with random BatchNorm statistics), and that one file runs in onnxruntime at
 * 224x224, 97x131, 320x480 and the smallest size above the model's minimum; each output
 * must equal torchvision's own model on the same input within 1e-4 relative to the
 * largest output. Then resnet50 with layer1..layer4 as outputs against torchvision's
 * IntermediateLayerGetter at two sizes, plain and at output stride 8.
 * (The CIFAR ResNets have no torchvision counterpart; test/core/sizes.test.ts covers them.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { inspectModel } from '../../src/inspect.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, releaseSession, runFloat32All } from '../../src/backends/ort/session.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { relError } from '../helpers/closeness.js';

const HERE = import.meta.dirname;
const TOLERANCE = 1e-4;
const MODELS = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2'];
const LAYERS = { layer1: 'layer1', layer2: 'layer2', layer3: 'layer3', layer4: 'layer4' };

const available = pythonHas();
const skip = !available.torch;
const dir = mkdtempSync(join(tmpdir(), 'netforge-parity-sizes-'));

/** The sizes each model runs at: three fixed ones and the smallest above its minimum (non-square). */
function sizesFor(model: string): [number, number][] {
  const s = inspectModel(ZOO.get(model)!, { input: [3, 'H', 'W'] }).stats.sizes;
  return [[224, 224], [97, 131], [320, 480], [s['H']!.min! + 1, s['W']!.min! + 2]];
}

interface Case {
  readonly name: string;
  readonly model: string;
  readonly kwargs?: Record<string, unknown>;
  readonly sizes: [number, number][];
  readonly layers?: Record<string, string>;
}

const CASES: Case[] = skip
  ? []
  : [
      ...MODELS.map((m) => ({ name: m, model: m, sizes: sizesFor(m) })),
      { name: 'resnet50_layers', model: 'resnet50', sizes: [[224, 224], [161, 97]], layers: LAYERS },
      { name: 'resnet50_os8_layers', model: 'resnet50', kwargs: { replace_stride_with_dilation: [false, true, true] }, sizes: [[224, 224], [161, 97]], layers: LAYERS },
    ];


describe.skipIf(skip)('parity with torchvision at any input size (one symbolic file per model)', () => {
  // asynchronously: torch takes minutes here, and a blocked worker loses vitest's heartbeat
  beforeAll(async () => {
    const child = spawn(PYTHON, [join(HERE, 'make_sizes.py'), dir, JSON.stringify(CASES.map((c) => ({ ...c, seed: 23 })))], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`make_sizes.py failed (${code}): ${stderr}`);
  });

  const rows: string[] = [];
  for (const c of CASES) {
    test(`${c.name}: ${c.sizes.map(([h, w]) => `${h}x${w}`).join(', ')}`, async () => {
      const d = join(dir, c.name);
      const compiled = compile(ZOO.get(c.model)!, {
        weights: join(d, 'weights.pth'),
        input: [3, 'H', 'W'],
        ...(c.kwargs?.['replace_stride_with_dilation'] ? { replaceStrideWithDilation: c.kwargs['replace_stride_with_dilation'] as boolean[] } : {}),
        ...(c.layers ? { outputs: Object.keys(c.layers).map((module) => ({ module })) } : {}),
      });
      const session = await createSession(toOnnxBytes(compiled.graph));
      try {
        for (const [i, [h, w]] of c.sizes.entries()) {
          const x = readNpy(join(d, `input_${i}.npy`));
          const ys = await runFloat32All(session, toFloat32(x), x.shape);
          const names = c.layers ? Object.keys(c.layers) : [compiled.graph.outputs[0]!];
          expect(ys.map((y) => y.name)).toEqual(names);
          for (const y of ys) {
            const expected = readNpy(join(d, c.layers ? `expected_${i}_${y.name}.npy` : `expected_${i}.npy`));
            expect(y.dims).toEqual(expected.shape);
            const r = relError(y.data, toFloat32(expected));
            rows.push(`${c.name} ${h}x${w} ${y.name} [${y.dims.join(', ')}] max rel ${r.toExponential(2)}`);
            expect(r).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      } finally {
        await releaseSession(session);
      }
    });
  }
  test('report', () => {
    console.log(rows.join('\n'));
  });
});
