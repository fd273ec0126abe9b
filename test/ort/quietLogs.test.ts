/**
 * onnxruntime's own warnings stay out of netforge's output: a damaged model (here a model
 * concatenated with itself, so every initializer is declared twice) makes onnxruntime log a
 * warning per duplicate before it fails; `netforge run` must print only its own error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { netforge } from '../helpers/cli.js';
import { buildGraph, conv2d, flatten, linear, relu } from '../../src/dsl/index.js';
import { initParams } from '../../src/passes/initParams.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { writeNpy } from '../../src/weights/npy.js';

const ORT_LOG = /\[[VIWEF]:onnxruntime/;
const dir = mkdtempSync(join(tmpdir(), 'netforge-ort-logs-'));
const bad = join(dir, 'doubled.onnx');
const x = join(dir, 'x.npy');

beforeAll(() => {
  const g = initParams(buildGraph({ name: 'tiny', input: [3, 8, 8] }, (t) => linear(flatten(relu(conv2d(t, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }))), { name: 'fc', outFeatures: 5 })), 0);
  const b = toOnnxBytes(g);
  const doubled = new Uint8Array(b.length * 2);
  doubled.set(b, 0);
  doubled.set(b, b.length);
  writeFileSync(bad, doubled);
  writeNpy(x, 'float32', [1, 3, 8, 8], new Uint8Array(new Float32Array(3 * 8 * 8).buffer));
});

describe('onnxruntime log noise', () => {
  test('the damaged model does make onnxruntime warn when its warnings are asked for', () => {
    // The built session module (dist/, built by globalSetup), in a child so the native stderr can be read.
    const mod = pathToFileURL(resolve(import.meta.dirname, '../../dist/backends/ort/session.js')).href;
    const script = `const { createSession } = await import(${JSON.stringify(mod)});
      try { await createSession(${JSON.stringify(bad)}, { logSeverityLevel: 2 }); } catch (e) { console.log(e.code); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim()).toBe('E_ORT_SESSION');
    expect(r.stderr).toMatch(/\[W:onnxruntime.*Duplicate initializer/);
  });

  test('`netforge run` on it prints only the netforge error', () => {
    const r = netforge(['run', bad, '--input', x], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(ORT_LOG);
    expect(r.stderr).toMatch(/^error\[E_ORT_SESSION\]: onnxruntime could not load the model/);
    expect(r.stderr.trim().split('\n')).toHaveLength(3); // error, --> file, help
  });
});
