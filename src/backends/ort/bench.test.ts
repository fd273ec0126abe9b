import { describe, expect, test } from 'vitest';
import { benchModel, median, nearestRank, transferNote } from './bench.js';
import { oneNodeModel } from './probe.js';

describe('statistics', () => {
  test('median of odd and even counts', () => {
    expect(median([1, 2, 9])).toBe(2);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });
  test('p90 is the nearest rank: the ceil(0.9 n)-th smallest', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRank(ten, 0.9)).toBe(9);
    expect(nearestRank([...ten, 11], 0.9)).toBe(10); // ceil(9.9) = 10
    expect(nearestRank([5], 0.9)).toBe(5);
    expect(nearestRank(ten, 0)).toBe(1);
  });
  test('the transfer note says what a timed run includes', () => {
    expect(transferNote('cpu', false)).toMatch(/no device transfer/);
    expect(transferNote('webgpu', false)).toMatch(/uploading the input .* downloading the output/);
    expect(transferNote('webgpu', true, 1000)).toMatch(/uploaded to the GPU once .*\(1000 values\)/);
  });
});

describe('benchModel on the cpu provider', () => {
  test('figures per batch, in order, consistent with each other', async () => {
    const r = await benchModel(oneNodeModel('Relu', ['N', 3, 8, 8]), { ep: { kind: 'list', providers: ['cpu'] }, batches: [1, 4], runs: 5, warmup: 1, intraOpNumThreads: 1 });
    expect(r.provider).toBe('cpu');
    expect(r.fellBack).toBe(false);
    expect(r.sessionCreateMs).toBeGreaterThan(0);
    expect(r.input).toMatchObject({ name: 'x', shape: [3, 8, 8], type: 'float32', seed: 0 });
    expect(r.batches.map((b) => b.batch)).toEqual([1, 4]);
    for (const b of r.batches) {
      expect(b.runs).toBe(5);
      expect(b.minMs).toBeLessThanOrEqual(b.medianMs);
      expect(b.medianMs).toBeLessThanOrEqual(b.p90Ms);
      expect(b.imagesPerSecond).toBeCloseTo(b.batch / (b.medianMs / 1000), 6);
      expect(b.output.dims).toEqual([b.batch, 3, 8, 8]);
      expect(b.output.finite).toBe(true);
      expect(b.output.maxAbs).toBeGreaterThan(0); // relu of N(0, 1) values
    }
    expect(r.ioBinding).toEqual({ requested: false, active: false });
  });
  test('--io-binding on cpu is reported as not active, with the reason', async () => {
    const notices: string[] = [];
    const r = await benchModel(oneNodeModel('Relu', ['N', 2]), { ep: { kind: 'list', providers: ['cpu'] }, runs: 1, warmup: 0, ioBinding: true, onNotice: (n) => notices.push(n) });
    expect(r.ioBinding.active).toBe(false);
    expect(r.ioBinding.reason).toMatch(/webgpu provider only/);
    expect(notices[0]).toMatch(/^notice\[E_IO_BINDING\]/);
  });
  test('a fixed batch dimension refuses other batch sizes: E_BATCH_FIXED', async () => {
    await expect(benchModel(oneNodeModel('Relu', [1, 4]), { ep: { kind: 'list', providers: ['cpu'] }, batches: [2], runs: 1, warmup: 0 })).rejects.toMatchObject({ code: 'E_BATCH_FIXED' });
  });
});
