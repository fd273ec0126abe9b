/**
 * Memory a run needs, checked before onnxruntime is asked: a flag such as `--batch 2000000`
 * or `--input-size 40000` otherwise ends in an allocation crash (a RangeError, or
 * onnxruntime's std::bad_alloc) instead of an error with the figures. The estimates are lower
 * bounds (the input, and the two largest activations a node reads and writes at once), so a
 * refusal is certain: the run could not fit.
 */
import { totalmem } from 'node:os';
import type { Graph, Value } from '../../ir/types.js';
import { evalDim } from '../../ir/dim.js';
import { NetforgeError } from '../../errors.js';

const BYTES: Readonly<Record<string, number>> = { float32: 4, float16: 2, int64: 8, int32: 4, bool: 1 };

/** Elements of one sample of `v`: symbolic sizes at `env` (the batch symbol's reference is 1). */
function perSample(v: Value, env: Readonly<Record<string, number>>): number {
  let n = 1;
  for (const d of v.shape) n *= typeof d === 'number' ? d : evalDim(d, env);
  return n;
}

/**
 * A lower bound on the bytes running `g` on `batch` samples takes: its input and its two
 * largest activations. Symbolic sizes (H, W) count at `sizes`, else at their reference.
 */
export function runBytes(g: Graph, batch: number, sizes: Readonly<Record<string, number>> = {}): number {
  const env: Record<string, number> = {};
  for (const [k, s] of g.symbols) env[k] = sizes[k] ?? s.reference;
  const bytes = [...g.values.values()].map((v) => perSample(v, env) * (BYTES[v.dtype] ?? 4) * batch).sort((a, b) => b - a);
  const input = g.inputs.reduce((s, id) => s + perSample(g.values.get(id)!, env) * 4 * batch, 0);
  return input + (bytes[0] ?? 0) + (bytes[1] ?? 0);
}

const gb = (n: number): string => `${(n / 1e9).toFixed(1)} GB`;

/** Throw E_TOO_LARGE when `bytes` (what `what` needs at least) exceed this machine's memory. */
export function assertRunFits(bytes: number, what: string, hint: string, memory: number = totalmem()): void {
  if (bytes <= memory) return;
  throw new NetforgeError({ code: 'E_TOO_LARGE', message: `${what} needs at least ${gb(bytes)} of memory, more than the ${gb(memory)} here`, hint });
}
