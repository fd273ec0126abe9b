/**
 * int8 accuracy on real labelled data: scikit-learn's 8x8 handwritten digits (Debian's
 * python3-sklearn, offline). digits_train.py trains the small ResNet of
 * test/fixtures/quant/digits_resnet.ts with torch (seeded, ~10 s on one core; cached in
 * node_modules/.cache/netforge-tests, keyed by the script's hash), netforge compiles it
 * from the checkpoint (--weights) in float32 and in int8 with each calibration method
 * (256 training images), and onnxruntime classifies the 540 held-out images with both.
 * The int8 top-1 accuracy must be within 1 point of the float model's; the float model must
 * agree with torch's own accuracy.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { netforge } from '../helpers/cli.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { createSession, releaseSession, runFloat32 } from '../../src/backends/ort/session.js';

const HERE = import.meta.dirname;
const SCRIPT = join(HERE, 'digits_train.py');
const MODEL = resolve(HERE, '../fixtures/quant/digits_resnet.ts');
const hasSklearn = pythonHas().torch && existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
if (!hasSklearn) console.warn(`[digits] skipped: ${PYTHON} lacks torch or sklearn (apt-get install python3-torch python3-torchvision python3-sklearn)`);

const cache = resolve(HERE, '../../node_modules/.cache/netforge-tests', `digits-${createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16)}`);
const dir = mkdtempSync(join(tmpdir(), 'netforge-digits-'));
const rows: string[] = [];

/** Train once per version of the script: into a temp folder, then renamed into the cache. */
function trained(): string {
  if (existsSync(join(cache, 'torch.json'))) return cache;
  const tmp = `${cache}.tmp-${process.pid}`;
  const r = spawnSync(PYTHON, [SCRIPT, tmp], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`digits_train.py failed: ${r.stderr}`);
  mkdirSync(join(cache, '..'), { recursive: true });
  rmSync(cache, { recursive: true, force: true });
  renameSync(tmp, cache);
  return cache;
}

async function accuracy(model: string, x: Float32Array, dims: readonly number[], y: ArrayLike<number>): Promise<number> {
  const s = await createSession(model);
  try {
    const out = await runFloat32(s, x, dims);
    const k = out.dims[1]!;
    let right = 0;
    for (let i = 0; i < dims[0]!; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (out.data[i * k + c]! > out.data[i * k + best]!) best = c;
      if (best === Number(y[i])) right++;
    }
    return right / dims[0]!;
  } finally {
    await releaseSession(s);
  }
}

describe.skipIf(!hasSklearn)('int8 accuracy on the 8x8 digits (real data, held out)', () => {
  let data: string;
  let x: Float32Array;
  let dims: readonly number[];
  let labels: BigInt64Array;
  let floatAcc: number;

  beforeAll(async () => {
    data = trained();
    const t = readNpy(join(data, 'test_x.npy'));
    x = toFloat32(t);
    dims = t.shape;
    const yt = readNpy(join(data, 'test_y.npy'));
    labels = new BigInt64Array(yt.data.buffer.slice(yt.data.byteOffset, yt.data.byteOffset + yt.data.byteLength));
    const f32 = join(dir, 'float.onnx');
    const r = netforge(['compile', MODEL, '--weights', join(data, 'weights.pth'), '-o', f32, '-q']);
    if (r.code !== 0) throw new Error(r.stderr);
    floatAcc = await accuracy(f32, x, dims, Array.from(labels, Number));
  });

  afterAll(() => {
    if (rows.length > 0) console.log(`[digits] ${dims[0]} held-out images, top-1 accuracy:\n${rows.join('\n')}`);
  });

  test('netforge float32 classifies as torch does', () => {
    const torch = JSON.parse(readFileSync(join(data, 'torch.json'), 'utf8')) as { accuracy: number; test: number };
    rows.push(`  torch float32     ${(100 * torch.accuracy).toFixed(2)}%`, `  netforge float32  ${(100 * floatAcc).toFixed(2)}%`);
    expect(torch.test).toBe(dims[0]);
    expect(Math.abs(floatAcc - torch.accuracy)).toBeLessThanOrEqual(1 / dims[0]! + 1e-12);
    expect(floatAcc).toBeGreaterThan(0.95); // a trained model, not a lucky one
  });

  for (const method of ['minmax', 'percentile', 'entropy'] as const) {
    test(`int8 (${method} calibration on 256 training images) within 1 point of float32`, async () => {
      const out = join(dir, `int8-${method}.onnx`);
      const r = netforge(['compile', MODEL, '--weights', join(data, 'weights.pth'), '-o', out, '-q', '--quantize', 'int8', '--calibration', join(data, 'cal.npy'), '--calibration-method', method]);
      expect(r.code, r.stderr).toBe(0);
      const acc = await accuracy(out, x, dims, Array.from(labels, Number));
      rows.push(`  netforge int8     ${(100 * acc).toFixed(2)}%  (${method}; ${((acc - floatAcc) * 100).toFixed(2)} points)`);
      expect(Math.abs(acc - floatAcc)).toBeLessThanOrEqual(0.01);
    });
  }

  test('--check on the held-out split passes the documented thresholds (top-1 agreement enforced: loaded weights)', () => {
    const r = netforge(['compile', MODEL, '--weights', join(data, 'weights.pth'), '--quantize', 'int8', '--calibration', join(data, 'cal.npy'), '--check', '--check-data', join(data, 'test_x.npy')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}top-1 {4}\d+\.\d%, at least 90\.0%: ok$/m);
    rows.push(`  --check: ${r.stdout.split('\n').slice(1, 4).map((l) => l.trim().replace(/\s+/g, ' ')).join('; ')}`);
  });
});
