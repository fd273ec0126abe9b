/**
 * Summarize a V8 CPU profile: self time by function and by file (packages collapsed).
 *
 *   node --cpu-prof --cpu-prof-dir=prof bin/netforge.js compile resnet50 -o /tmp/r50.onnx -q
 *   node bench/profile.mjs prof/CPU.*.cpuprofile [top=25]
 *
 * Each thread writes its own profile (the main thread, then one per worker thread).
 * Self time is where the samples landed: native work (writeBuffers, fsync), the garbage
 * collector and module loading show up under their own names.
 */
import { readFileSync } from 'node:fs';

const [path, topArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: node bench/profile.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(path, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0;
  total += d;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + d);
}
const short = (url) => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/(dist|src|bench)\//, '$1/');
const byFn = new Map();
const byFile = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  const fn = `${cf.functionName || '(anonymous)'} ${short(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  const file = cf.url ? short(cf.url).replace(/^(node_modules\/[^/]+).*/, '$1') : cf.functionName;
  byFile.set(file, (byFile.get(file) ?? 0) + t);
}
const show = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => `${(t / 1000).toFixed(1).padStart(8)} ms  ${k}`).join('\n');
console.log(`${path}: ${(total / 1000).toFixed(1)} ms sampled\n\nself time by function:\n${show(byFn)}\n\nself time by file:\n${show(byFile)}`);
