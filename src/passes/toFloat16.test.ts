import { describe, expect, test } from 'vitest';
import type { Graph, Param } from '../ir/types.js';
import { verifyGraph } from '../ir/verify.js';
import { float16BitsToFloat32 } from '../ir/float16.js';
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { NetforgeError } from '../errors.js';
import { runPasses } from './manager.js';
import { inferShapesPass } from './inferShapes.js';
import { initParamsPass } from './initParams.js';
import { toFloat16, toFloat16Pass } from './toFloat16.js';

function cifar20(): Graph {
  return runPasses(buildModel(ZOO.get('cifar_resnet20')!), [inferShapesPass, initParamsPass(0)]).graph;
}

describe('to-float16', () => {
  const g = cifar20();
  const h = runPasses(g, [toFloat16Pass()]).graph; // the manager verifies the result

  test('every param becomes float16 half bits, rounded from its float32 value', () => {
    for (const [name, p] of h.params) {
      const src = g.params.get(name)!;
      expect(p.dtype).toBe('float16');
      expect(p.data).toBeInstanceOf(Uint16Array);
      expect(p.data!.length).toBe((src.data as Float32Array).length);
      const a = src.data as Float32Array;
      const b = p.data as Uint16Array;
      for (let i = 0; i < a.length; i += 97) {
        // half precision: 11 significant bits, so relative error <= 2^-11 for normal values
        expect(Math.abs(float16BitsToFloat32(b[i]!) - a[i]!)).toBeLessThanOrEqual(Math.abs(a[i]!) * 2 ** -11 + 2 ** -25);
      }
    }
  });

  test('the interface stays float32 through Cast nodes; everything inside is float16', () => {
    expect(h.inputs).toEqual(g.inputs);
    expect(h.outputs).toEqual(g.outputs);
    expect(h.values.get('input')!.dtype).toBe('float32');
    expect(h.values.get('logits')!.dtype).toBe('float32');
    const first = h.nodes[0]!;
    const last = h.nodes[h.nodes.length - 1]!;
    expect(first).toMatchObject({ op: 'Cast', attrs: { to: 'float16' }, inputs: ['input'] });
    expect(last).toMatchObject({ op: 'Cast', attrs: { to: 'float32' }, outputs: ['logits'] });
    const inside = [...h.values.values()].filter((v) => v.id !== 'input' && v.id !== 'logits');
    expect(inside.length).toBe(g.values.size);
    expect(inside.every((v) => v.dtype === 'float16')).toBe(true);
    expect(h.nodes.filter((n) => n.inputs.includes('input'))).toEqual([first]);
    expect(h.nodes.length).toBe(g.nodes.length + 2);
    expect(h.meta.get('netforge.dtype')).toBe('float16');
    expect(h.meta.get('netforge.io_dtype')).toBe('float32');
  });

  test('a second run changes nothing; the input graph is not mutated', () => {
    expect(toFloat16(h)).toBe(h);
    expect([...g.params.values()].every((p) => p.dtype === 'float32' && p.data instanceof Float32Array)).toBe(true);
    expect(verifyGraph(g)).toEqual([]);
  });

  test("io: 'float16' makes the interface float16 too, without casts", () => {
    const k = toFloat16(g, { io: 'float16' });
    expect(verifyGraph(k)).toEqual([]);
    expect(k.nodes.some((n) => n.op === 'Cast')).toBe(false);
    expect(k.values.get('input')!.dtype).toBe('float16');
    expect(k.values.get('logits')!.dtype).toBe('float16');
  });

  test('notes what it converted', () => {
    const notes: string[] = [];
    toFloat16(g, {}, { note: (l) => notes.push(l) });
    const elements = [...g.params.values()].reduce((n, p) => n + p.data!.length, 0);
    expect(notes[0]).toBe(`${g.params.size} params (${elements} values) float32 -> float16`);
    expect(notes[1]).toBe('float32 interface kept: 1 input cast(s), 1 output cast(s)');
  });

  test('a weight beyond the half range is an error naming the param, not a silent inf', () => {
    const params = new Map(g.params);
    const w = params.get('conv1.weight')!;
    const data = Float32Array.from(w.data as Float32Array);
    data[5] = 70000;
    params.set('conv1.weight', { ...w, data } as Param);
    try {
      toFloat16({ ...g, params });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NetforgeError);
      expect((e as NetforgeError).code).toBe('E_FP16_OVERFLOW');
      expect((e as NetforgeError).modulePath).toBe('conv1');
    }
  });
});
