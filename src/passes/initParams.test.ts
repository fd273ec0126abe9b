import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ZOO } from '../zoo/index.js';
import { buildModel } from '../dsl/model.js';
import { initParams } from './initParams.js';

describe('init-params', () => {
  test('refuses, before allocating, weights larger than maxBytes, naming the largest param', () => {
    const g = buildModel(ZOO.get('cifar_resnet20')!);
    let err: unknown;
    try {
      initParams(g, 0, { maxBytes: 1_000_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_TOO_LARGE', modulePath: 'layer3.0.conv2' });
    expect((err as Error).message).toMatch(/^the parameters to initialize need 0\.0 GB of float32 \(271,098 values; the largest, layer3\.0\.conv2\.weight \[64, 64, 3, 3\]/);
    const notes: string[] = [];
    initParams(g, 7, { maxBytes: 2_000_000 }, { note: (n) => notes.push(n) });
    expect(notes).toEqual(['initialized 97 tensors (271,098 values) from seed 7']);
  });

  test('follows torchvision\'s scheme: kaiming-normal fan_out convs, BN 1/0, Linear U(+-1/sqrt(fan_in))', () => {
    const g = initParams(buildModel(ZOO.get('resnet18')!), 0);
    const std = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    const w = g.params.get('layer4.1.conv2.weight')!.data as Float32Array; // fan_out = 512*9
    expect(Math.abs(std(w) / Math.sqrt(2 / (512 * 9)) - 1)).toBeLessThan(0.01);
    expect(Array.from(g.params.get('bn1.weight')!.data!).every((v) => v === 1)).toBe(true);
    expect(Array.from(g.params.get('bn1.bias')!.data!).every((v) => v === 0)).toBe(true);
    expect(Array.from(g.params.get('bn1.running_var')!.data!).every((v) => v === 1)).toBe(true);
    const fc = g.params.get('fc.weight')!.data as Float32Array;
    const bound = 1 / Math.sqrt(512);
    const maxAbs = fc.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(bound);
    expect(maxAbs).toBeGreaterThan(0.99 * bound);
  });
  test('zeroInitResidual zeroes the last BN gamma of each block', () => {
    const g = initParams(buildModel(ZOO.get('resnet50')!, { zeroInitResidual: true }), 0);
    expect(Array.from(g.params.get('layer1.0.bn3.weight')!.data!).every((v) => v === 0)).toBe(true);
    expect(Array.from(g.params.get('layer1.0.bn2.weight')!.data!).every((v) => v === 1)).toBe(true);
  });
  test('params that already have data are kept; nothing to do returns the same graph', () => {
    const g = initParams(buildModel(ZOO.get('cifar_resnet20')!), 0);
    expect(initParams(g, 1)).toBe(g);
  });
  test('worker threads give byte-identical params (built dist/, resnet50)', () => {
    const dist = resolve(import.meta.dirname, '../../dist');
    const script = `
      import { createHash } from 'node:crypto';
      const { ZOO } = await import('${dist}/zoo/index.js');
      const { buildModel } = await import('${dist}/dsl/model.js');
      const { initParams } = await import('${dist}/passes/initParams.js');
      const g = buildModel(ZOO.get('resnet50'));
      const h = (gg) => { const c = createHash('sha256'); for (const p of gg.params.values()) c.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)); return c.digest('hex'); };
      const par = initParams(g, 5, { threads: 2 });
      const ser = initParams(g, 5, { threads: 1 });
      console.log(JSON.stringify({ par: h(par), ser: h(ser), shared: par.params.get('fc.weight').data.buffer instanceof SharedArrayBuffer }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const o = JSON.parse(r.stdout) as { par: string; ser: string; shared: boolean };
    expect(o.shared).toBe(true);
    expect(o.par).toBe(o.ser);
  });
});
