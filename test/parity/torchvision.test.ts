/**
 * Parity with torchvision: the same architecture, the same weights, the same input must
 * give the same output (max|a-b| / max|b| <= 1e-4), with BatchNorm folded and kept.
 *
 * make_cases.py builds each torchvision model with a fixed seed, gives every BatchNorm
 * non-trivial statistics and affine params, saves its state dict (legacy format for
 * resnet18, zip otherwise) and torch's eval-mode output for a seeded input. netforge
 * compiles the zoo model with those weights (library API; the resnet34 case goes through
 * the CLI via `weights convert` to safetensors) and onnxruntime runs it. With BatchNorm
 * kept, every param must be a view of the buffer the checkpoint was read into (zero-copy).
 * onnx_ops.py gives torch.onnx.export's op counts, compared with netforge's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, releaseSession, runFloat32 } from '../../src/backends/ort/session.js';
import { readNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';
import { maxDiff } from '../helpers/closeness.js';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { netforge } from '../helpers/cli.js';
import { opCounts, readModel } from '../helpers/onnx.js';

const HERE = import.meta.dirname;
const TOLERANCE = 1e-4;
const SIZE = 64;
const BATCH = 2;

interface Case {
  readonly name: string;
  readonly model: string;
  readonly format: 'zip' | 'legacy';
  readonly num_classes: number;
  readonly replace_stride_with_dilation?: readonly [boolean, boolean, boolean];
  /** Compile through the CLI (after `netforge weights convert` to safetensors). */
  readonly cli?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'resnet18_legacy', model: 'resnet18', format: 'legacy', num_classes: 1000 },
  { name: 'resnet50_zip', model: 'resnet50', format: 'zip', num_classes: 1000 },
  { name: 'resnext50_32x4d', model: 'resnext50_32x4d', format: 'zip', num_classes: 1000 },
  { name: 'wide_resnet50_2', model: 'wide_resnet50_2', format: 'zip', num_classes: 1000 },
  { name: 'resnet50_dilated', model: 'resnet50', format: 'zip', num_classes: 1000, replace_stride_with_dilation: [false, true, true] },
  { name: 'resnet34_10cls_safetensors_cli', model: 'resnet34', format: 'zip', num_classes: 10, cli: true },
];

const available = pythonHas();
const skip = !available.torch || !available.onnx;
if (skip) console.warn(`[parity] skipped: ${PYTHON} lacks torch/torchvision/onnx (CI installs python3-torch python3-torchvision python3-onnx)`);

const dir = mkdtempSync(join(tmpdir(), 'netforge-parity-'));
const rows: { case: string; folded: string; maxAbs: number; maxRef: number; rel: number; ops: string }[] = [];

function python(script: string, args: readonly string[]): string {
  const r = spawnSync(PYTHON, [join(HERE, script), ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}


/** Compile a case with netforge and return the ONNX model (bytes or a file path). */
function build(c: Case, weights: string, fold: boolean): string | Uint8Array {
  if (c.cli) {
    const st = join(dir, c.name, 'weights.safetensors');
    const conv = netforge(['weights', 'convert', weights, st]);
    if (conv.code !== 0) throw new Error(conv.stderr);
    const out = join(dir, c.name, `${fold ? 'folded' : 'unfolded'}.onnx`);
    const args = ['compile', c.model, '--weights', st, '--num-classes', String(c.num_classes), '--input-size', String(SIZE), '-o', out, '-q'];
    if (!fold) args.push('--no-fold-bn');
    const r = netforge(args);
    if (r.code !== 0) throw new Error(r.stderr);
    return out;
  }
  const compiled = compile(ZOO.get(c.model)!, {
    weights,
    input: [3, SIZE, SIZE],
    foldBatchNorm: fold,
    ...(c.num_classes !== 1000 ? { numClasses: c.num_classes } : {}),
    ...(c.replace_stride_with_dilation ? { replaceStrideWithDilation: c.replace_stride_with_dilation } : {}),
  });
  expect(compiled.notices).toEqual([]);
  if (!fold) {
    // Unchanged params are views of one buffer: the one the file was read into, or (a legacy
    // file whose storages land misaligned there, which depends on the pickles before them)
    // its storage region copied once into an aligned buffer; never a copy per tensor.
    const buffers = new Set([...compiled.graph.params.values()].map((p) => (p.data as Float32Array).buffer));
    expect(buffers.size).toBe(1);
    const size = statSync(weights).size;
    const bytes = [...buffers][0]!.byteLength;
    if (c.format === 'legacy') expect(bytes).toBeGreaterThan(size * 0.99); // the pickles before the storages are a few kB
    if (c.format === 'legacy') expect(bytes).toBeLessThanOrEqual(size);
    else expect(bytes).toBe(size);
  }
  return toOnnxBytes(compiled.graph);
}

describe.skipIf(skip)('parity with torchvision', () => {
  beforeAll(() => {
    const spec = CASES.map((c) => ({ ...c, size: SIZE, batch: BATCH, seed: 17 }));
    python('make_cases.py', [dir, JSON.stringify(spec)]);
  });

  afterAll(() => {
    if (rows.length === 0) return;
    const head = ['case', 'BatchNorm', 'max |a-b|', 'max |b|', 'max rel err', 'ONNX ops'];
    const cells = rows.map((r) => [r.case, r.folded, r.maxAbs.toExponential(2), r.maxRef.toFixed(3), r.rel.toExponential(2), r.ops]);
    const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: readonly string[]): string => `| ${c.map((x, i) => x.padEnd(w[i]!)).join(' | ')} |`;
    console.log(
      [`netforge vs torchvision ${available.torch ? '(torch from /usr/bin/python3)' : ''}, input ${BATCH}x3x${SIZE}x${SIZE}, tolerance ${TOLERANCE}`, line(head), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n'),
    );
  });

  for (const c of CASES) {
    for (const fold of [true, false]) {
      test(`${c.name}, BatchNorm ${fold ? 'folded' : 'kept'}`, async () => {
        const caseDir = join(dir, c.name);
        const model = build(c, join(caseDir, 'weights.pth'), fold);
        const x = readNpy(join(caseDir, 'input.npy'));
        const expected = readNpy(join(caseDir, 'expected.npy'));
        const session = await createSession(model);
        try {
          const y = await runFloat32(session, toFloat32(x), x.shape);
          expect(y.dims).toEqual(expected.shape);
          const { maxAbs, maxRef } = maxDiff(y.data, toFloat32(expected));
          const ops = opCounts(readModel(model));
          const bn = ops['BatchNormalization'] ?? 0;
          rows.push({ case: c.name, folded: fold ? 'folded' : 'kept', maxAbs, maxRef, rel: maxAbs / maxRef, ops: `Conv ${ops['Conv']}, BN ${bn}` });
          expect(maxRef).toBeGreaterThan(0);
          expect(maxAbs / maxRef).toBeLessThanOrEqual(TOLERANCE);
          if (fold) expect(bn).toBe(0);
          else expect(bn).toBeGreaterThan(0);
        } finally {
          await releaseSession(session);
        }
      });
    }
  }

  // Every architecture of the parity cases (the class count changes no op count).
  const opCases: readonly { readonly model: string; readonly dilation?: readonly boolean[] }[] = [
    { model: 'resnet18' },
    { model: 'resnet34' },
    { model: 'resnet50' },
    { model: 'resnext50_32x4d' },
    { model: 'wide_resnet50_2' },
    { model: 'resnet50', dilation: [false, true, true] },
  ];
  for (const { model, dilation } of opCases) {
    const label = `${model}${dilation ? ` dilated [${dilation.join(', ')}]` : ''}`;
    test(`${label}: the same ONNX op counts as torch.onnx.export (Identity nodes aside)`, () => {
      const kwargs = dilation ? JSON.stringify({ replace_stride_with_dilation: dilation }) : '{}';
      const ref = JSON.parse(python('onnx_ops.py', [model, String(SIZE), join(dir, `${model}${dilation ? '_dilated' : ''}_torch.onnx`), kwargs])) as { ops: Record<string, number>; identity: number };
      const ours = opCounts(readModel(toOnnxBytes(compile(ZOO.get(model)!, { input: [3, SIZE, SIZE], ...(dilation ? { replaceStrideWithDilation: dilation } : {}) }).graph)));
      expect(ours).toEqual(ref.ops);
      expect(ours['Identity']).toBeUndefined();
      console.log(`${label}: torch.onnx.export ${JSON.stringify(ref.ops)} + ${ref.identity} Identity; netforge ${JSON.stringify(ours)}`);
    });
  }
});
