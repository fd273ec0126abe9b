/**
 * PyTorch as an independent oracle for the fold arithmetic: for every Conv+BN pair of a
 * model (random BN statistics), torch.nn.utils.fusion.fuse_conv_bn_weights on the unfolded
 * params must give our folded weight and bias. Skips (with a reason) without torch.
 */
import { describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '../../src/ir/types.js';
import { ZOO } from '../../src/zoo/index.js';
import { compile } from '../../src/compile.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import type { WeightTensor } from '../../src/weights/tensor.js';
import { FOLDED_BATCHNORM_META } from '../../src/passes/foldBatchNorm.js';
import { pythonHas, runPython } from '../helpers/python.js';

const FUSE = `
import json, struct, sys
import numpy as np, torch
from torch.nn.utils.fusion import fuse_conv_bn_weights

def load(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype=np.float32).reshape(v['shape']).copy())
            for k, v in header.items() if k != '__metadata__'}

unfolded, folded = load(sys.argv[1]), load(sys.argv[2])
pairs = json.loads(sys.argv[3])
worst = 0.0
for p in pairs:
    bn, conv = p['bn'], p['conv']
    w, b = fuse_conv_bn_weights(unfolded[conv + '.weight'], unfolded.get(conv + '.bias'), unfolded[bn + '.running_mean'],
                                unfolded[bn + '.running_var'], p['eps'], unfolded[bn + '.weight'], unfolded[bn + '.bias'])
    for ours, theirs in ((folded[conv + '.weight'], w), (folded[conv + '.bias'], b)):
        worst = max(worst, float((ours - theirs.detach()).abs().max() / theirs.detach().abs().max()))
print(json.dumps({'pairs': len(pairs), 'worst': worst}))
`;

function save(g: Graph, path: string): void {
  const m = new Map<string, WeightTensor>();
  for (const p of g.params.values()) {
    const d = p.data as Float32Array;
    m.set(p.name, { dtype: 'float32', shape: p.shape, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) });
  }
  writeSafetensors(path, m);
}

describe('fold arithmetic against PyTorch', () => {
  test.runIf(pythonHas().torch)('resnet18 (random BN statistics): every folded conv equals fuse_conv_bn_weights', () => {
    const def = ZOO.get('resnet18')!;
    const unfolded = compile(def, { input: [3, 32, 32], seed: 11, randomizeBatchNorm: true, foldBatchNorm: false }).graph;
    const folded = compile(def, { input: [3, 32, 32], seed: 11, randomizeBatchNorm: true }).graph;
    const dir = mkdtempSync(join(tmpdir(), 'netforge-fold-torch-'));
    save(unfolded, join(dir, 'unfolded.safetensors'));
    save(folded, join(dir, 'folded.safetensors'));
    const eps = new Map(unfolded.nodes.filter((n) => n.op === 'BatchNormalization').map((n) => [n.module, (n.attrs as { eps: number }).eps]));
    const pairs = (JSON.parse(folded.meta.get(FOLDED_BATCHNORM_META)!) as { bn: string; conv: string }[]).map((p) => ({ ...p, eps: eps.get(p.bn)! }));
    const r = JSON.parse(runPython(FUSE, [join(dir, 'unfolded.safetensors'), join(dir, 'folded.safetensors'), JSON.stringify(pairs)])) as { pairs: number; worst: number };
    expect(r.pairs).toBe(20);
    // torch folds in float32, we in float64: a few float32 ulps apart at most
    expect(r.worst).toBeLessThan(1e-6);
  });
});
