/**
 * In-process compile timing, driven over stdin/stdout (one JSON object per line), so the
 * orchestrator can interleave it with the other contenders while this process stays warm.
 *
 *   -> {"model": "resnet50", "out": "/tmp/x.onnx"}
 *   <- {"ms": 412.3, "phases": {"build+analyze": 21.0, "init-params": 190.2, ..., "write": 120.4}}
 *
 * argv[2], if given, is the root of the netforge build to time (default: this checkout).
 * The first line printed reports how long importing netforge's dist/ took:
 *   <- {"ready": true, "importMs": 61.2}
 * Times are wall clock (performance.now); phases come from compile()'s pass trace, the
 * rest of compile() (building the IR, analyze) is "build+analyze".
 */
import { createInterface } from 'node:readline';
import { unlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const root = process.argv[2] ? pathToFileURL(`${process.argv[2]}/`) : new URL('../', import.meta.url);
const t0 = performance.now();
const { ZOO, compile, writeOnnx } = await import(new URL('dist/index.js', root).href);
const importMs = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ready: true, importMs })}\n`);

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (line.trim() === '') continue;
  const req = JSON.parse(line);
  try {
    const def = ZOO.get(req.model);
    if (!def) throw new Error(`unknown zoo model ${req.model}`);
    const a = performance.now();
    const c = compile(def, {});
    const b = performance.now();
    writeOnnx(req.out, c.graph);
    const e = performance.now();
    const phases = {};
    let passMs = 0;
    for (const t of c.trace) {
      phases[t.pass] = t.ms;
      passMs += t.ms;
    }
    phases['build+analyze'] = b - a - passMs;
    phases.write = e - b;
    if (req.keep !== true) unlinkSync(req.out);
    process.stdout.write(`${JSON.stringify({ ms: e - a, compileMs: b - a, writeMs: e - b, params: c.source.params, phases })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err) })}\n`);
  }
}
