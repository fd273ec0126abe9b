import { describe, expect, test } from 'vitest';
import { expectNetforgeError } from '../../test/fixtures/weights/helpers.js';
import { viewsCheckpoint, type ViewSpec } from '../../test/fixtures/weights/pthBuilder.js';
import { parsePth } from './pth.js';
import { MAX_SMALL_VIEW, TENSOR_SLACK, materialize, tensorBudget } from './strided.js';

const storage = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).map((_, i) => i).buffer);
const floats = (b: Uint8Array): number[] => [...new Float32Array(Uint8Array.from(b).buffer)];

describe('materialize: a view may not take more than its storage and the file justify', () => {
  test('views that repeat their storage are refused when large, allowed when small (a broadcast bias)', () => {
    const one = storage(1);
    expect(floats(materialize(one, { dtype: 'float32', storageOffset: 0, size: [64], stride: [0] }, 'f.pth', 'bias'))).toEqual(new Array(64).fill(0));
    const e = expectNetforgeError(() => materialize(one, { dtype: 'float32', storageOffset: 0, size: [2 ** 28], stride: [0] }, 'f.pth', 'big'), 'E_WEIGHTS_CORRUPT');
    expect(e.message).toContain("tensor 'big' (size [268435456], stride [0], offset 0) repeats elements of its storage: it would take 1073741824 bytes from a storage of 4 bytes");
    // at the limit: MAX_SMALL_VIEW bytes pass, one element more does not
    const n = MAX_SMALL_VIEW / 4;
    expect(materialize(one, { dtype: 'float32', storageOffset: 0, size: [n], stride: [0] }, 'f.pth', 'edge').byteLength).toBe(MAX_SMALL_VIEW);
    expectNetforgeError(() => materialize(one, { dtype: 'float32', storageOffset: 0, size: [n + 1], stride: [0] }, 'f.pth', 'edge'), 'E_WEIGHTS_CORRUPT');
  });
  test('the file budget counts every tensor, zero-copy or gathered; a model-derived limit lowers it', () => {
    expect(tensorBudget(1000)).toMatchObject({ total: 2000 + TENSOR_SLACK });
    expect(tensorBudget(1000, 4096)).toMatchObject({ total: 4096 });
    expect(tensorBudget(1000, 2 ** 40).total).toBe(2000 + TENSOR_SLACK);
    const s = storage(256); // 1 KiB
    const budget = tensorBudget(0, 3000);
    materialize(s, { dtype: 'float32', storageOffset: 0, size: [256], stride: [1] }, 'f.pth', 'a', budget);
    materialize(s, { dtype: 'float32', storageOffset: 0, size: [16, 16], stride: [1, 16] }, 'f.pth', 'b', budget);
    expect(budget.remaining).toBe(3000 - 2048);
    const e = expectNetforgeError(() => materialize(s, { dtype: 'float32', storageOffset: 0, size: [256], stride: [1] }, 'f.pth', 'c', budget), 'E_WEIGHTS_CORRUPT');
    expect(e.message).toContain("tensor 'c'");
    expect(e.message).toContain('3000 bytes');
  });
});

describe('checkpoints whose views would amplify memory (issue 17, item 3)', () => {
  const cases: [string, ViewSpec[], Record<string, { dtype: 'float32'; numel: number }>][] = [
    ['four zeros(1).expand(2**28)', [0, 1, 2, 3].map((i) => ({ name: `t${i}`, storage: '0', size: [2 ** 28], stride: [0] })), { '0': { dtype: 'float32', numel: 1 } }],
    ['zeros(1).expand(2**31)', [{ name: 'huge', storage: '0', size: [2 ** 31], stride: [0] }], { '0': { dtype: 'float32', numel: 1 } }],
    ['as_strided(zeros(40000), (20000, 20000), (1, 1))', [{ name: 'square', storage: '0', size: [20000, 20000], stride: [1, 1] }], { '0': { dtype: 'float32', numel: 40000 } }],
  ];
  for (const format of ['zip', 'legacy'] as const) {
    for (const [what, views, storages] of cases) {
      test(`${format}: ${what} is refused (E_WEIGHTS_CORRUPT naming the tensor) before anything is allocated`, () => {
        const buf = viewsCheckpoint(format, views, storages);
        const before = process.memoryUsage().arrayBuffers;
        const e = expectNetforgeError(() => parsePth(buf, `${what}.pth`), 'E_WEIGHTS_CORRUPT');
        expect(e.message).toContain(`tensor '${views[0]!.name}'`);
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
      });
    }
    test(`${format}: many full views of one storage pass the file's budget and are refused`, () => {
      const n = 1 << 18; // 1 MiB of float32
      const views = Array.from({ length: 80 }, (_, i) => ({ name: `v${i}`, storage: '0', size: [512, 512], stride: [1, 512] }));
      const e = expectNetforgeError(() => parsePth(viewsCheckpoint(format, views, { '0': { dtype: 'float32', numel: n } }), 'shared.pth'), 'E_WEIGHTS_CORRUPT');
      expect(e.message).toMatch(/tensor 'v\d+' .* past what the file's tensors may take together/);
    });
    test(`${format}: a model-derived limit (compile knows the parameter count) refuses earlier`, () => {
      const views = [{ name: 'a', storage: '0', size: [1024], stride: [1] }];
      const buf = viewsCheckpoint(format, views, { '0': { dtype: 'float32', numel: 1024 } });
      expect(parsePth(buf, 'ok.pth', { maxTensorBytes: 4096 }).tensors.get('a')!.data.byteLength).toBe(4096);
      expectNetforgeError(() => parsePth(buf, 'small.pth', { maxTensorBytes: 4095 }), 'E_WEIGHTS_CORRUPT');
    });
    test(`${format}: tied weights (two names, one storage) and a transposed view load`, () => {
      const views = [
        { name: 'embed', storage: '0', size: [2, 3], stride: [3, 1] },
        { name: 'head', storage: '0', size: [2, 3], stride: [3, 1] },
        { name: 'transposed', storage: '0', size: [3, 2], stride: [1, 3] },
      ];
      const sd = parsePth(viewsCheckpoint(format, views, { '0': { dtype: 'float32', numel: 6, bytes: storage(6) } as never }), 'tied.pth');
      expect(floats(sd.tensors.get('head')!.data)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(floats(sd.tensors.get('transposed')!.data)).toEqual([0, 3, 1, 4, 2, 5]);
    });
  }
});
