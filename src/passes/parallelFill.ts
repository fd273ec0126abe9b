/**
 * Fill many params' random initial values on several threads. All params live in one
 * SharedArrayBuffer; the main thread and the workers claim params (largest first) through
 * an atomic counter, so whoever is free takes the next one and a late-starting worker
 * costs nothing. Results are identical to the single-threaded fill: every param has its
 * own random stream. Synchronous for the caller: the main thread works, then waits on
 * an Atomics counter for the workers' last params.
 *
 * Returns null where threads are unavailable (running from TypeScript sources under a
 * test runner, or a single core), and the caller fills serially.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { InitSpec, Param } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { fillInit } from '../ir/initSpec.js';

export interface FillJob {
  readonly name: string;
  readonly init: InitSpec;
  /** Element offset into the shared buffer. */
  readonly offset: number;
  readonly length: number;
}

/** Control words in an Int32Array: [next job to claim, jobs finished]. */
const NEXT = 0;
const DONE = 1;
const WAIT_LIMIT_MS = 10 * 60 * 1000;

const workerUrl = new URL('./parallelFillWorker.js', import.meta.url);

export function parallelFill(params: readonly Param[], seed: number, threads?: number): Map<string, Float32Array> | null {
  const workers = Math.min((threads ?? availableParallelism()) - 1, 7);
  if (workers < 1 || import.meta.url.endsWith('.ts')) return null;
  // 16-byte alignment keeps every view aligned for any consumer.
  const jobs: FillJob[] = [];
  let total = 0;
  const sorted = [...params].sort((a, b) => numel(b.shape) - numel(a.shape));
  for (const p of sorted) {
    const length = numel(p.shape);
    jobs.push({ name: p.name, init: p.init, offset: total, length });
    total += (length + 3) & ~3;
  }
  const sab = new SharedArrayBuffer(total * 4);
  const control = new Int32Array(new SharedArrayBuffer(8));
  const spawned: Worker[] = [];
  for (let i = 0; i < workers; i++) {
    const w = new Worker(fileURLToPath(workerUrl), {
      workerData: { sab, control: control.buffer, jobs, seed },
      // --input-type (node -e) is refused for worker files
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
    });
    w.unref();
    spawned.push(w);
  }
  runJobs(sab, control, jobs, seed);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const done = Atomics.load(control, DONE);
    if (done >= jobs.length) break;
    if (Date.now() > deadline) throw new Error('internal: parameter-init worker threads stopped responding');
    Atomics.wait(control, DONE, done, 1000);
  }
  for (const w of spawned) void w.terminate();
  const out = new Map<string, Float32Array>();
  for (const j of jobs) out.set(j.name, new Float32Array(sab, j.offset * 4, j.length));
  return out;
}

/** Claim and fill jobs until none are left (run by the main thread and by each worker). */
export function runJobs(sab: SharedArrayBuffer, controlBuf: SharedArrayBuffer | Int32Array, jobs: readonly FillJob[], seed: number): void {
  const control = controlBuf instanceof Int32Array ? controlBuf : new Int32Array(controlBuf);
  for (;;) {
    const i = Atomics.add(control, NEXT, 1);
    if (i >= jobs.length) return;
    const j = jobs[i]!;
    fillInit(new Float32Array(sab, j.offset * 4, j.length), j.init, j.name, seed);
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
