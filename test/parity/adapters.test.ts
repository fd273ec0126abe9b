/**
 * Checkpoint adapters against torch (make_adapted.py builds the checkpoints and torch's
 * outputs): a Lightning training checkpoint loaded with --weights-strip-prefix model.,
 * renamed keys loaded with --weights-rename rules, and an RGB checkpoint adapted to 1 and
 * 4 input channels with --in-chans (timm's adapt_input_conv). Each compiled network, run
 * in onnxruntime, must give torch's output within 1e-4 relative.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { compile, type CompileOptions } from '../../src/compile.js';
import { zoo } from '../../src/zoo/index.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, runFloat32 } from '../../src/backends/ort/session.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { netforge } from '../helpers/cli.js';
import { relError } from '../helpers/closeness.js';

const SIZE = 32;
const TOLERANCE = 1e-4;
const skip = !pythonHas().torch;
const dir = mkdtempSync(join(tmpdir(), 'netforge-adapters-'));

/** Run a model on x{c}.npy and compare with torch's y{c}.npy; returns max|a-b| / max|b|. */
async function relErr(model: string | Uint8Array, c: 1 | 3 | 4): Promise<number> {
  const x = readNpy(join(dir, `x${c}.npy`));
  const expected = toFloat32(readNpy(join(dir, `y${c}.npy`)));
  const s = await createSession(model);
  try {
    const y = await runFloat32(s, toFloat32(x), x.shape);
    expect(y.dims).toEqual([2, 10]);
    const r = relError(y.data, expected);
    console.log(`[adapters] ${typeof model === 'string' ? model.split('/').pop() : 'in memory'}, ${c}-channel input: max |a-b| / max |b| = ${r.toExponential(2)}`);
    return r;
  } finally {
    await s.release();
  }
}

const compiled = (o: CompileOptions): Uint8Array => toOnnxBytes(compile(zoo.resnet18, { numClasses: 10, input: [o.inChans ?? 3, SIZE, SIZE], ...o }).graph);

describe.skipIf(skip)('checkpoint adapters against torch', () => {
  beforeAll(() => {
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'make_adapted.py'), dir, String(SIZE), '5'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`make_adapted.py failed: ${r.stderr}`);
  });

  test('a Lightning checkpoint (self.model, optimizer state, loops, callbacks, hparams) through the CLI with --weights-strip-prefix model.', async () => {
    const out = join(dir, 'lightning.onnx');
    const r = netforge(['compile', 'resnet18', '--num-classes', '10', '--input-size', String(SIZE), '--weights', join(dir, 'lightning.ckpt'), '--weights-strip-prefix', 'model.', '-o', out]);
    expect(r.stderr).toContain("note: lightning.ckpt is a PyTorch Lightning checkpoint (version 2.4.0): loaded the state dict from its 'state_dict' entry");
    expect(r.stderr).toContain("note: --weights-strip-prefix model.: 122 of 122 keys renamed ('model.conv1.weight' -> 'conv1.weight', ...)");
    expect(r.code).toBe(0);
    expect(await relErr(out, 3)).toBeLessThan(TOLERANCE);
    // without the flag, the hint gives it
    const bare = netforge(['compile', 'resnet18', '--num-classes', '10', '--weights', join(dir, 'lightning.ckpt'), '-o', out]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("pass --weights-strip-prefix model. to load it");
  });

  test('renamed keys with --weights-rename rules (a prefix dropped, another replaced)', async () => {
    const notices: string[] = [];
    const model = compiled({ weights: join(dir, 'renamed.pth'), weightsKeys: { rename: ['^backbone\\.=', { pattern: /^head\.fc\./, replacement: 'fc.' }] }, onNotice: (n) => notices.push(n.message) });
    expect(notices).toEqual(["--weights-rename ^backbone\\.=: 120 of 122 keys renamed ('backbone.conv1.weight' -> 'conv1.weight', ...)", "--weights-rename ^head\\.fc\\.=fc.: 2 of 122 keys renamed ('head.fc.weight' -> 'fc.weight', ...)"]);
    expect(await relErr(model, 3)).toBeLessThan(TOLERANCE);
  });

  for (const c of [1, 4] as const) {
    test(`--in-chans ${c}: the RGB first conv adapted as timm does gives torch's ${c}-channel network`, async () => {
      const notices: string[] = [];
      const model = compiled({ weights: join(dir, 'rgb.pth'), inChans: c, onNotice: (n) => notices.push(n.message) });
      expect(notices).toEqual([`--in-chans ${c}: conv1.weight [64, 3, 7, 7] ${c === 1 ? 'summed over its input channels' : 'repeated to 4 channels and scaled by 3/4'} -> [64, ${c}, 7, 7] (timm's adapt_input_conv)`]);
      expect(await relErr(model, c)).toBeLessThan(TOLERANCE);
    });
  }
});
