/**
 * The tensor-view cap, fuzzed (issue 17, item 3): random sizes, strides and offsets over a
 * small storage, in zip and legacy checkpoints. Every file either loads, with each tensor equal
 * to a plain element-by-element gather, or is refused with E_WEIGHTS_CORRUPT; and memory stays
 * bounded: the process's peak resident memory is measured (getrusage) and may grow by at most
 * PEAK_LIMIT over the whole run. Seeded (NETFORGE_FUZZ_SEED / NETFORGE_VIEW_RUNS); the figures
 * are printed (README "Reliability").
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { NetforgeError } from '../../src/errors.js';
import { parsePth } from '../../src/weights/pth.js';
import { viewsCheckpoint, type StorageDType, type ViewSpec } from '../fixtures/weights/pthBuilder.js';

const SEED = Number(process.env['NETFORGE_FUZZ_SEED'] ?? 20261127);
const RUNS = Number(process.env['NETFORGE_VIEW_RUNS'] ?? 2000);
const MiB = 1024 * 1024;
/** What the whole run may add to the process's peak memory. */
const PEAK_LIMIT = 384 * MiB;
const BYTES: Readonly<Record<StorageDType, number>> = { float32: 4, float16: 2, int64: 8 };
/** Tensors larger than this are checked by length and a sample, not element by element. */
const FULL_CHECK = 1 << 16;

const dim = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 1 << 18 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 31 }) });
const stride = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 512 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 31 }) });
const view = (numel: number) =>
  fc.integer({ min: 0, max: 4 }).chain((rank) => fc.record({ size: fc.array(dim, { minLength: rank, maxLength: rank }), stride: fc.array(stride, { minLength: rank, maxLength: rank }), offset: fc.nat({ max: numel + 8 }) }));
const checkpoint = fc.record({ format: fc.constantFrom('zip' as const, 'legacy' as const), dtype: fc.constantFrom<StorageDType>('float32', 'float16', 'int64'), numel: fc.integer({ min: 1, max: 4096 }) }).chain((c) => fc.record({ c: fc.constant(c), views: fc.array(view(c.numel), { minLength: 1, maxLength: 4 }) }));

/** The view's bytes element by element (the reference for materialize), at index `k` of the flattened view. */
function elementAt(storage: Uint8Array, es: number, v: { size: readonly number[]; stride: readonly number[]; offset: number }, k: number): Uint8Array {
  let at = v.offset;
  for (let d = v.size.length - 1; d >= 0; d--) {
    at += (k % v.size[d]!) * v.stride[d]!;
    k = Math.floor(k / v.size[d]!);
  }
  return storage.subarray(at * es, (at + 1) * es);
}

describe(`tensor views, fuzzed (seed ${SEED}, ${RUNS} checkpoints)`, () => {
  test('each loads exactly or is refused with E_WEIGHTS_CORRUPT; memory stays bounded', () => {
    const tally = { tried: 0, loaded: 0, refused: 0, tensors: 0, largestBytes: 0 };
    const rss0 = process.memoryUsage().rss;
    fc.assert(
      fc.property(checkpoint, ({ c, views }) => {
        tally.tried++;
        const es = BYTES[c.dtype];
        const storage = new Uint8Array(c.numel * es).map((_, i) => (i * 131 + 7) & 255);
        const specs: ViewSpec[] = views.map((v, i) => ({ name: `t${i}`, storage: '0', offset: v.offset, size: v.size, stride: v.stride }));
        const buf = viewsCheckpoint(c.format, specs, { '0': { dtype: c.dtype, numel: c.numel, bytes: storage } });
        let sd;
        try {
          sd = parsePth(buf, 'fuzz.pth');
        } catch (e) {
          if (!(e instanceof NetforgeError)) throw e;
          expect(e.code).toBe('E_WEIGHTS_CORRUPT');
          tally.refused++;
          return;
        }
        tally.loaded++;
        views.forEach((v, i) => {
          const t = sd.tensors.get(`t${i}`)!;
          const numel = v.size.reduce((a, b) => a * b, 1);
          expect(t.data.byteLength).toBe(numel * es);
          tally.tensors++;
          tally.largestBytes = Math.max(tally.largestBytes, t.data.byteLength);
          const step = numel <= FULL_CHECK ? 1 : Math.ceil(numel / 997);
          for (let k = 0; k < numel; k += step) expect(Buffer.compare(t.data.subarray(k * es, (k + 1) * es), elementAt(storage, es, v, k))).toBe(0);
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - rss0;
    console.log(`[view fuzz] seed ${SEED}: ${tally.tried} checkpoints (zip and legacy), ${tally.loaded} loaded (${tally.tensors} tensors, the largest ${(tally.largestBytes / MiB).toFixed(1)} MiB), ${tally.refused} refused, all E_WEIGHTS_CORRUPT; peak RSS grew by ${(Math.max(0, peakGrowth) / MiB).toFixed(0)} MiB (limit ${PEAK_LIMIT / MiB})`);
    expect(tally.loaded).toBeGreaterThan(RUNS / 10);
    expect(tally.refused).toBeGreaterThan(RUNS / 10);
    expect(peakGrowth).toBeLessThan(PEAK_LIMIT);
  }, 120_000);
});
