/**
 * Resize against torch: netforge's bilinear Resize (ONNX linear, half_pixel) in onnxruntime
 * equals F.interpolate(mode='bilinear', align_corners=False) by a scale, to a fixed size and
 * to another tensor's size, down to one pixel, from one symbolic graph at two input sizes.
 * And why half_pixel: ONNX's pytorch_half_pixel, the mode named after PyTorch, takes the
 * first pixel where an output size is 1, while PyTorch (and half_pixel) take the center;
 * torch.onnx.export (torch 1.13) writes half_pixel for align_corners=False too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildGraph } from '../../src/dsl/builder.js';
import { interpolate } from '../../src/dsl/tensorOps.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, releaseSession, runFloat32All } from '../../src/backends/ort/session.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { PYTHON, pythonHas } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-resize-'));
const SIZES: [number, number][] = [
  [7, 6],
  [4, 9],
];
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.skipIf(!pythonHas().torch)('Resize equals F.interpolate(bilinear, align_corners=False)', () => {
  beforeAll(async () => {
    const child = spawn(PYTHON, [join(import.meta.dirname, 'resize_oracle.py'), dir, JSON.stringify(SIZES)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`resize_oracle.py failed (${code}): ${stderr}`);
  });

  test('by a scale, to a size, like another tensor (down to 1x1 and back up), one graph at two sizes', async () => {
    const g = buildGraph({ name: 'resize', input: [2, 'H', 'W'], symbols: new Map([['H', { reference: 7, multipleOf: 1 }], ['W', { reference: 6, multipleOf: 1 }]]) }, (x) => {
      const odd = interpolate(x, { size: [5, 3], name: 'odd' });
      return {
        down1: interpolate(x, { size: interpolate(x, { size: [1, 1], name: 'one' }), name: 'down1' }),
        odd,
        up2: interpolate(x, { scaleFactor: 2, name: 'up2' }),
        half: interpolate(x, { scaleFactor: 0.5, name: 'half' }),
        mixed: interpolate(x, { scaleFactor: [1.5, 0.75], name: 'mixed' }),
        back: interpolate(odd, { size: x, name: 'back' }),
      };
    });
    const s = await createSession(toOnnxBytes({ ...g, params: new Map() }));
    try {
      for (const [i] of SIZES.entries()) {
        const x = readNpy(join(dir, `input_${i}.npy`));
        for (const y of await runFloat32All(s, toFloat32(x), x.shape)) {
          const e = readNpy(join(dir, `expected_${i}_${y.name}.npy`));
          expect([y.name, ...y.dims]).toEqual([y.name, ...e.shape]);
          expect(maxDiff(y.data, toFloat32(e)), `${y.name} at ${SIZES[i]!.join('x')}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      await releaseSession(s);
    }
  });

  test('to one pixel: half_pixel is PyTorch\'s center, pytorch_half_pixel the first pixel (onnxruntime)', async () => {
    const x = readNpy(join(dir, 'input_4x5.npy'));
    const torch = toFloat32(readNpy(join(dir, 'down1_4x5.npy')));
    const run = async (mode: string): Promise<Float32Array> => {
      const s = await createSession(join(dir, `resize_${mode}.onnx`));
      const [y] = await runFloat32All(s, toFloat32(x), x.shape);
      await releaseSession(s);
      return y!.data;
    };
    // x[c, i, j] = 5i + j: the center (1.5, 2) is 9.5; the first pixel 0
    expect(Array.from(torch)).toEqual([9.5, 9.5]);
    expect(Array.from(await run('half_pixel'))).toEqual([9.5, 9.5]);
    expect(Array.from(await run('pytorch_half_pixel'))).toEqual([0, 0]);
  });
});
