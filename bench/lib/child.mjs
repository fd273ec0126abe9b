/**
 * A long-lived child process spoken to in JSON lines: send one request, await one reply.
 * The first line the child prints is its "ready" message (imports done, model built).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class JsonChild {
  constructor(cmd, args, opts = {}) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    this.waiting = [];
    this.lines = [];
    this.stderr = '';
    this.exited = null;
    this.proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    createInterface({ input: this.proc.stdout }).on('line', (l) => {
      let msg;
      try {
        msg = JSON.parse(l);
      } catch {
        return; // a library printing to stdout; not a reply
      }
      const w = this.waiting.shift();
      if (w) w.resolve(msg);
      else this.lines.push(msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${cmd} exited (${code ?? signal}) before replying:\n${this.stderr}`));
    });
  }

  /** The next message, without sending anything (the ready line). */
  next() {
    const m = this.lines.shift();
    if (m) return Promise.resolve(m);
    if (this.exited) return Promise.reject(new Error(`child exited (${this.exited.code ?? this.exited.signal}):\n${this.stderr}`));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async request(obj) {
    const p = this.next();
    this.proc.stdin.write(`${JSON.stringify(obj)}\n`);
    const r = await p;
    if (r.error) throw new Error(r.error);
    return r;
  }

  close() {
    this.proc.stdin.end();
    return new Promise((resolve) => (this.exited ? resolve() : this.proc.on('exit', () => resolve())));
  }
}

/** Run a command to completion; resolves with its output, exit code and wall time. */
export function runTimed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, ms: performance.now() - t0, stdout: out, stderr: err }));
  });
}
