/** Helpers for the weights integration tests: checkpoints made by netforge itself, a local HTTP server, the CLI as a child process. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import type { WeightTensor } from '../../src/weights/tensor.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import type { ModelOptions } from '../../src/dsl/model.js';
import { BIN } from '../helpers/cli.js';

/**
 * A torchvision-style state dict for a zoo model: seeded init with random BatchNorm
 * statistics, plus an int64 `num_batches_tracked` per BatchNorm, as torch saves it.
 */
export function checkpointOf(model: string, o: ModelOptions & { seed?: number } = {}): Map<string, WeightTensor> {
  const c = compile(ZOO.get(model)!, { ...o, foldBatchNorm: false, randomizeBatchNorm: true });
  const out = new Map<string, WeightTensor>();
  for (const [name, p] of c.graph.params) {
    const d = p.data as Float32Array;
    out.set(name, { dtype: 'float32', shape: p.shape, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) });
    if (name.endsWith('.running_var')) {
      out.set(name.replace(/running_var$/, 'num_batches_tracked'), { dtype: 'int64', shape: [], data: new Uint8Array(new BigInt64Array([100n]).buffer) });
    }
  }
  return out;
}

export function writeCheckpoint(path: string, model: string, o: ModelOptions & { seed?: number } = {}): Map<string, WeightTensor> {
  const sd = checkpointOf(model, o);
  writeSafetensors(path, sd);
  return sd;
}

export interface AsyncResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The built CLI as a child process, without blocking this process's event loop (the test's
 * HTTP server must keep answering). `onSpawn` gets the child, e.g. to interrupt it.
 */
export function netforgeAsync(args: readonly string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (pid: number) => void } = {}): Promise<AsyncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? process.cwd(), env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (o.onSpawn && child.pid !== undefined) o.onSpawn(child.pid);
  });
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  readonly base: string;
  readonly hits: Map<string, number>;
  readonly close: () => Promise<void>;
}

/** An HTTP server on 127.0.0.1 with a handler per path; everything else is a 404. */
export async function startServer(routes: Readonly<Record<string, Handler>>): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const h = routes[path];
    if (h) return h(req, res);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Serve `body` in `chunks` pieces, `delayMs` apart (so that downloads overlap or can be interrupted). */
export function slowly(body: Uint8Array, chunks: number, delayMs: number, stopAfter = chunks): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    const size = Math.ceil(body.length / chunks);
    let k = 0;
    const tick = (): void => {
      if (res.destroyed) return;
      if (k >= stopAfter) return; // hang: the client must give up or be interrupted
      res.write(body.subarray(k * size, (k + 1) * size));
      k++;
      if (k * size >= body.length) res.end();
      else setTimeout(tick, delayMs);
    };
    tick();
  };
}

/** Hold requests until `n` have arrived, then answer them all with `h`: makes concurrent downloads really overlap. */
export function barrier(n: number, h: Handler): Handler {
  const waiting: [http.IncomingMessage, http.ServerResponse][] = [];
  return (req, res) => {
    waiting.push([req, res]);
    if (waiting.length >= n) for (const [q, s] of waiting.splice(0)) h(q, s);
  };
}
