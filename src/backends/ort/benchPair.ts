/**
 * Two models timed side by side in one process (float32 and int8): one CPU session each,
 * the same session options, intra-op spinning off in both (with two sessions on a few
 * cores the idle one's spinning threads otherwise steal the cores from the one running),
 * the same seeded input. Per batch size: `warmup` untimed runs of each, then `runs` timed
 * runs of each, interleaved, the order alternating every round so neither always runs
 * first. Figures are medians; speedup = median(a) / median(b). Each run's CPU time (user +
 * system, every thread of the process) is recorded too: on a machine others are loading,
 * wall time measures the load as much as the model, while CPU time measures the work.
 */
import { fillNormal, rngFor } from '../../ir/random.js';
import { median } from './bench.js';
import { createSession, inputTensor, releaseSession, type Session, type SessionOptions } from './session.js';

export interface PairOptions {
  readonly batches?: readonly number[];
  readonly runs?: number;
  readonly warmup?: number;
  readonly seed?: number;
  readonly intraOpNumThreads?: number;
  /** [C, H, W] of one input. */
  readonly inputShape: readonly number[];
}

export interface PairBatch {
  readonly batch: number;
  readonly medianMs: readonly [number, number];
  readonly imagesPerSecond: readonly [number, number];
  /** median(a) / median(b) */
  readonly speedup: number;
  /** Every timed run, in the order run. */
  readonly samplesMs: readonly [readonly number[], readonly number[]];
  /** Median CPU time per run (user + system, all threads), and its ratio. */
  readonly cpuMs: readonly [number, number];
  readonly cpuSpeedup: number;
}

export interface PairReport {
  readonly sessionCreateMs: readonly [number, number];
  readonly runs: number;
  readonly warmup: number;
  readonly batches: readonly PairBatch[];
}

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

async function timed(s: Session, x: ReturnType<typeof inputTensor>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await s.run({ [s.inputNames[0]!]: x });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

const med = (xs: readonly number[]): number => median([...xs].sort((p, q) => p - q));

/**
 * The options both sessions get: optimizations on, intra-op spinning off, the thread count
 * asked for. Typed as SessionOptions so a misspelt option fails to compile (an untyped
 * `allowSpinning: false` here was silently ignored once, and spinning stayed on).
 */
export function pairSessionOptions(o: Pick<PairOptions, 'intraOpNumThreads'>): SessionOptions {
  return { graphOptimizationLevel: 'all', intraOpSpinning: false, ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}) };
}

export async function benchPair(a: Uint8Array | string, b: Uint8Array | string, o: PairOptions): Promise<PairReport> {
  const opts = pairSessionOptions(o);
  const runs = o.runs ?? 20;
  const warmup = o.warmup ?? 5;
  const t0 = performance.now();
  const sa = await createSession(a, opts);
  const t1 = performance.now();
  let sb: Session | undefined;
  try {
    sb = await createSession(b, opts);
    const t2 = performance.now();
    const per = o.inputShape.reduce((p, q) => p * q, 1);
    const batches: PairBatch[] = [];
    for (const batch of o.batches ?? [1, 8]) {
      const data = new Float32Array(per * batch);
      fillNormal(data, 1, rngFor(o.seed ?? 0, 'netforge.bench.input'));
      const x = inputTensor(sa, data, [batch, ...o.inputShape]);
      for (let i = 0; i < warmup; i++) {
        await timed(sa, x);
        await timed(sb, x);
      }
      const ta: Timing[] = [];
      const tb: Timing[] = [];
      for (let r = 0; r < runs; r++) {
        if (r % 2 === 0) {
          ta.push(await timed(sa, x));
          tb.push(await timed(sb, x));
        } else {
          tb.push(await timed(sb, x));
          ta.push(await timed(sa, x));
        }
      }
      const ma = med(ta.map((t) => t.ms));
      const mb = med(tb.map((t) => t.ms));
      const ca = med(ta.map((t) => t.cpuMs));
      const cb = med(tb.map((t) => t.cpuMs));
      batches.push({
        batch,
        medianMs: [ma, mb],
        imagesPerSecond: [batch / (ma / 1000), batch / (mb / 1000)],
        speedup: ma / mb,
        samplesMs: [ta.map((t) => t.ms), tb.map((t) => t.ms)],
        cpuMs: [ca, cb],
        cpuSpeedup: ca / cb,
      });
    }
    return { sessionCreateMs: [t1 - t0, t2 - t1], runs, warmup, batches };
  } finally {
    await releaseSession(sa);
    if (sb) await releaseSession(sb);
  }
}
