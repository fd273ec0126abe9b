/** Worker-thread entry for parallelFill: claim and fill jobs until none are left. */
import { workerData } from 'node:worker_threads';
import { runJobs, type FillJob } from './parallelFill.js';

const d = workerData as { sab: SharedArrayBuffer; control: SharedArrayBuffer; jobs: FillJob[]; seed: number };
runJobs(d.sab, d.control, d.jobs, d.seed);
