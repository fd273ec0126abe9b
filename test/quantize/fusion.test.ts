/**
 * What onnxruntime makes of netforge's int8 QDQ resnet50: the graph it optimizes
 * (session option optimizedModelFilePath) must hold every Conv as QLinearConv, every Add
 * as QLinearAdd and the Gemm as QGemm, with no float Conv/Add/Gemm and no DequantizeLinear
 * left, and a single QuantizeLinear (the input). The S8S8 layout is counted too: on x86 it
 * leaves convs and adds in float (the tensors read twice stay int8 and do not fuse), which is
 * why U8S8 is the default. Size 64x64: fusion does not depend on it, and it keeps the test fast.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { quantizeModel } from '../../src/quantize.js';
import { syntheticInputs } from '../../src/backends/ort/calibrationSet.js';
import { checkQuantized } from '../../src/backends/ort/quantCheck.js';
import { createSession, releaseSession } from '../../src/backends/ort/session.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { opCounts, readModel } from '../helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-fusion-'));

async function optimizedOps(bytes: Uint8Array, name: string): Promise<Record<string, number>> {
  const path = join(dir, `${name}.opt.onnx`);
  const s = await createSession(bytes, { optimizedModelFilePath: path });
  await releaseSession(s);
  return opCounts(readModel(path));
}

describe('onnxruntime fuses netforge int8 resnet50', () => {
  const float = compile(ZOO.get('resnet50')!, { seed: 1, randomizeBatchNorm: true, input: [3, 64, 64] });

  test('U8S8: 53 QLinearConv, 16 QLinearAdd, 1 QGemm; no Conv, Add, Gemm, Relu or DequantizeLinear left', async () => {
    const q = await quantizeModel(float, { calibration: syntheticInputs(4, [3, 64, 64], 1) });
    expect(verifyGraph(q.graph)).toEqual([]);
    const ops = await optimizedOps(toOnnxBytes(q.graph), 'u8s8');
    console.log(`[fusion] resnet50 U8S8 optimized graph: ${JSON.stringify(ops)}`);
    expect(ops).toMatchObject({ QLinearConv: 53, QLinearAdd: 16, QGemm: 1, QLinearGlobalAveragePool: 1, QuantizeLinear: 1 });
    for (const op of ['Conv', 'Add', 'Gemm', 'DequantizeLinear', 'Relu']) expect(ops[op], op).toBeUndefined();
    // and the numbers: int8 within 20 dB SQNR of float on other inputs
    const r = await checkQuantized(q.float, q.graph, syntheticInputs(4, [3, 64, 64], 2));
    console.log(`[fusion] resnet50 64x64 int8 vs float: SQNR ${r.sqnrDb.toFixed(1)} dB, max rel ${r.maxRel.toExponential(2)}`);
    expect(r.sqnrDb).toBeGreaterThan(20);
  });

  test.skipIf(process.arch !== 'x64')('S8S8 on x86: convs whose input is read twice stay float', async () => {
    const q = await quantizeModel(float, { calibration: syntheticInputs(2, [3, 64, 64], 1), activations: 'int8' });
    const ops = await optimizedOps(toOnnxBytes(q.graph), 's8s8');
    console.log(`[fusion] resnet50 S8S8 optimized graph: ${JSON.stringify(ops)}`);
    expect(ops['QLinearConv'] ?? 0).toBeLessThan(53);
    expect(ops['Conv'] ?? 0).toBeGreaterThan(0);
  });
});
