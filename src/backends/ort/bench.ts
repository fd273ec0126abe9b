/**
 * Timing a model in onnxruntime-node: one session on the chosen provider, then per batch
 * size one first run, `warmup` untimed runs and `runs` timed runs on the same seeded input.
 *
 * Figures (milliseconds, performance.now around `await session.run(...)` plus reading the
 * output): first run, median, p90 (nearest rank: the ceil(0.9 n)-th smallest), min, mean;
 * throughput = batch / median. What a run includes besides compute is stated in
 * `transfer` (see transferNote): with the cpu provider no device transfer exists; with a
 * GPU provider the input upload and output download are inside the timing, unless
 * `ioBinding` keeps the input on the GPU (webgpu only).
 *
 * ioBinding (webgpu): an Identity model on the webgpu provider with
 * preferredOutputLocation 'gpu-buffer' uploads the input once; its output tensor (which
 * lives on the GPU) is fed to the measured session, whose output also stays on the GPU and
 * is downloaded with getData() inside each timed run, so a run still waits for the GPU to
 * finish. Both sessions use onnxruntime's default WebGPU device, which is what lets one
 * feed the other. This cannot be exercised without a GPU; when any step fails the bench
 * says why and measures without it.
 */
import { loadOrt } from './ort.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import { NetforgeError } from '../../errors.js';
import { createOrtSession, inputTensor, inputType, outputFloat32, releaseSession, type Session } from './session.js';
import { createProviderSession, formatEp, type EpRequest, type ProviderAttempt, type ProviderName, type ProviderSessionOptions, type Unavailable } from './providers.js';
import { oneNodeModel } from './probe.js';
import { assertRunFits } from './runMemory.js';
import { maxOf } from '../../maxOf.js';

export interface BenchOptions extends Pick<ProviderSessionOptions, 'facts' | 'create' | 'onNotice' | 'intraOpNumThreads'> {
  readonly ep?: EpRequest;
  readonly strict?: boolean;
  /** Batch sizes, each timed in turn on the same session. Default [1]. */
  readonly batches?: readonly number[];
  /** Timed runs per batch. Default 20. */
  readonly runs?: number;
  /** Untimed runs after the first run, per batch. Default 5. */
  readonly warmup?: number;
  /** Keep the input (and outputs) on the GPU between runs; webgpu only. */
  readonly ioBinding?: boolean;
  /** Seed of the N(0, 1) input. Default 0. */
  readonly seed?: number;
  /** Input shape without the batch, e.g. [3, 224, 224]. Default: read from the model. */
  readonly inputShape?: readonly number[];
}

export interface BatchFigures {
  readonly batch: number;
  readonly firstRunMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly runs: number;
  readonly warmup: number;
  /** batch / median, in images per second. */
  readonly imagesPerSecond: number;
  /** The first run's output: its shape, whether every value is finite, and max |y|. */
  readonly output: { readonly dims: readonly number[]; readonly finite: boolean; readonly maxAbs: number };
}

export interface BenchReport {
  readonly provider: ProviderName;
  readonly requested: string;
  readonly preferred: ProviderName;
  readonly fellBack: boolean;
  readonly strict: boolean;
  readonly unavailable: readonly Unavailable[];
  readonly attempts: readonly ProviderAttempt[];
  readonly notice?: string;
  /** InferenceSession.create on the provider that runs it. */
  readonly sessionCreateMs: number;
  readonly ioBinding: { readonly requested: boolean; readonly active: boolean; readonly reason?: string };
  /** What the timings include besides compute. */
  readonly transfer: string;
  readonly input: { readonly name: string; readonly shape: readonly number[]; readonly type: string; readonly distribution: string; readonly seed: number };
  readonly batches: readonly BatchFigures[];
}

/** The ceil(q n)-th smallest value (nearest-rank percentile) of an ascending array. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export function transferNote(provider: ProviderName, ioBinding: boolean, outputElements?: number): string {
  if (provider === 'cpu') return 'session.run end to end: wrapping the host input buffer in a tensor and reading the output on the host; the cpu provider has no device transfer';
  if (ioBinding) return `input uploaded to the GPU once before timing and kept there; each timed run includes downloading the output${outputElements !== undefined ? ` (${outputElements} values)` : ''}`;
  return `each timed run includes uploading the input to the ${provider} device and downloading the output`;
}

function inputDims(session: Session, o: BenchOptions): { name: string; chw: number[] } {
  const m = session.inputMetadata[0];
  const name = session.inputNames[0]!;
  if (o.inputShape) return { name, chw: [...o.inputShape] };
  if (m === undefined || !m.isTensor) throw new NetforgeError({ code: 'E_INPUT_SHAPE', message: 'the model has no tensor input to benchmark', hint: 'benchmark a model with one image input [N, C, H, W]' });
  const rest = m.shape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) {
    throw new NetforgeError({
      code: 'E_INPUT_SHAPE',
      message: `input '${name}' has symbolic dimensions besides the batch: [${m.shape.join(', ')}]`,
      hint: 'pass --input-size C,H,W',
    });
  }
  return { name, chw: rest as number[] };
}

function checkBatch(session: Session, batch: number): void {
  const d0 = session.inputMetadata[0]?.isTensor ? (session.inputMetadata[0] as { shape: readonly (number | string)[] }).shape[0] : undefined;
  if (typeof d0 === 'number' && d0 !== batch) {
    throw new NetforgeError({
      code: 'E_BATCH_FIXED',
      message: `the model's batch dimension is fixed at ${d0}, so batch ${batch} cannot run`,
      hint: `use --batch ${d0}, or export the model with a dynamic batch axis (netforge compile does)`,
    });
  }
}

interface Output {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

interface Runner {
  run(): Promise<Output>;
  dispose(): Promise<void>;
}

/** Runs with a host input each time (every provider). */
function hostRunner(session: Session, name: string, data: Float32Array, dims: number[]): Runner {
  const outName = session.outputNames[0]!;
  return {
    async run() {
      const out = await session.run({ [name]: inputTensor(session, data, dims) });
      const t = out[outName]!;
      const y = await outputFloat32(t);
      if (t.location === 'gpu-buffer') t.dispose();
      return { data: y, dims: t.dims };
    },
    async dispose() {},
  };
}

/** Runs with the input uploaded once to the WebGPU device (see the file comment). */
async function gpuInputRunner(session: Session, upload: Session, name: string, data: Float32Array, dims: number[]): Promise<Runner> {
  const up = await upload.run({ x: new (loadOrt().Tensor)('float32', data, dims) });
  const gpuInput = up['y']!;
  if (gpuInput.location !== 'gpu-buffer') throw new Error(`the upload session returned a ${gpuInput.location} tensor, not a gpu-buffer one`);
  const outName = session.outputNames[0]!;
  return {
    async run() {
      const out = await session.run({ [name]: gpuInput });
      const t = out[outName]!;
      const y = await outputFloat32(t);
      if (t.location === 'gpu-buffer') t.dispose();
      return { data: y, dims: t.dims };
    },
    async dispose() {
      gpuInput.dispose();
    },
  };
}

async function timeRuns(r: Runner, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await r.run();
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** Benchmark an ONNX model (path or bytes). Figures as the file comment defines them. */
export async function benchModel(model: string | Uint8Array, o: BenchOptions = {}): Promise<BenchReport> {
  const batches = o.batches ?? [1];
  const runs = o.runs ?? 20;
  const warmup = o.warmup ?? 5;
  const seed = o.seed ?? 0;
  const strict = o.strict ?? false;
  const requestIo = o.ioBinding ?? false;
  const ps = await createProviderSession(model, {
    ep: o.ep ?? { kind: 'auto' },
    strict,
    ...(requestIo ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
    ...(o.facts ? { facts: o.facts } : {}),
    ...(o.create ? { create: o.create } : {}),
    ...(o.onNotice ? { onNotice: o.onNotice } : {}),
  });
  const session = ps.session;
  const notice = o.onNotice ?? ((s: string) => process.stderr.write(`${s}\n`));
  let upload: Session | undefined;
  let ioReason: string | undefined;
  try {
    const { name, chw } = inputDims(session, o);
    if (requestIo) {
      if (ps.provider !== 'webgpu') ioReason = `--io-binding applies to the webgpu provider only; this session runs on ${ps.provider}`;
      else if (inputType(session) !== 'float32') ioReason = `--io-binding needs a float32 model input; this one is ${inputType(session)}`;
      else {
        try {
          upload = await createOrtSession(oneNodeModel('Identity', ['N', ...chw]), {
            executionProviders: ['webgpu'],
            preferredOutputLocation: 'gpu-buffer',
            graphOptimizationLevel: 'disabled',
          });
        } catch (e) {
          ioReason = `could not create the webgpu upload session: ${(e as Error).message}`;
        }
      }
      if (ioReason !== undefined) notice(`notice[E_IO_BINDING]: ${ioReason}; measuring with host input and output`);
    }
    const maxBatch = maxOf(batches);
    const per = chw.reduce((a, b) => a * b, 1);
    assertRunFits(per * maxBatch * 4, `the input at batch ${maxBatch}`, 'choose smaller --batch sizes');
    const all = new Float32Array(per * maxBatch);
    fillNormal(all, 1, rngFor(seed, 'netforge.bench.input'));
    const figures: BatchFigures[] = [];
    let outputElements: number | undefined;
    for (const batch of batches) {
      checkBatch(session, batch);
      const dims = [batch, ...chw];
      const data = all.subarray(0, per * batch);
      let runner: Runner = hostRunner(session, name, data, dims);
      if (upload !== undefined && ioReason === undefined) {
        try {
          runner = await gpuInputRunner(session, upload, name, data, dims);
        } catch (e) {
          ioReason = `keeping the input on the GPU failed: ${(e as Error).message}`;
          notice(`notice[E_IO_BINDING]: ${ioReason}; measuring with host input and output`);
        }
      }
      try {
        const t0 = performance.now();
        const y = await runner.run();
        const firstRunMs = performance.now() - t0;
        for (let i = 0; i < warmup; i++) await runner.run();
        const times = (await timeRuns(runner, runs)).sort((a, b) => a - b);
        const med = median(times);
        let finite = true;
        let maxAbs = 0;
        for (const v of y.data) {
          if (!Number.isFinite(v)) finite = false;
          else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
        }
        outputElements = y.data.length;
        figures.push({
          batch,
          firstRunMs,
          medianMs: med,
          p90Ms: nearestRank(times, 0.9),
          minMs: times[0]!,
          meanMs: times.reduce((a, b) => a + b, 0) / times.length,
          runs,
          warmup,
          imagesPerSecond: batch / (med / 1000),
          output: { dims: y.dims, finite, maxAbs },
        });
      } catch (e) {
        if (e instanceof NetforgeError) throw e;
        throw new NetforgeError({
          code: 'E_ORT_RUN',
          message: `onnxruntime failed to run the model at batch ${batch} on ${ps.provider}: ${(e as Error).message}`,
          hint: `the model expects input '${name}' of shape [N, ${chw.join(', ')}]`,
        });
      } finally {
        await runner.dispose();
      }
    }
    const ioActive = requestIo && upload !== undefined && ioReason === undefined;
    return {
      provider: ps.provider,
      requested: formatEp(ps.requested),
      preferred: ps.preferred,
      fellBack: ps.fellBack,
      strict,
      unavailable: ps.unavailable,
      attempts: ps.attempts,
      ...(ps.notice !== undefined ? { notice: ps.notice } : {}),
      sessionCreateMs: ps.createMs,
      ioBinding: { requested: requestIo, active: ioActive, ...(ioReason !== undefined ? { reason: ioReason } : {}) },
      transfer: transferNote(ps.provider, ioActive, outputElements),
      input: { name, shape: chw, type: inputType(session), distribution: 'N(0, 1), generated once for the largest batch', seed },
      batches: figures,
    };
  } finally {
    if (upload) await releaseSession(upload);
    await releaseSession(session);
  }
}
