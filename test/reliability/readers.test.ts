/**
 * Readers racing a writer of a model with external data (issue 17, item 4): while a child
 * process rewrites m.onnx with --external-data in a loop (four different models in turn), 86
 * loads of m.onnx each give one of the four models' outputs, never a mix of one model's graph
 * and another's tensors. netforge's own reader (createProviderSession, used by run and bench)
 * always loads; onnxruntime used directly may fail to find data removed by later writes, but
 * never computes a mix either. The counts are printed (README "Reliability").
 */
import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createOrtSession, createSession, runFloat32, type Session } from '../../src/backends/ort/session.js';
import { createProviderSession } from '../../src/backends/ort/providers.js';
import { fillNormal, rngFor } from '../../src/ir/random.js';
// @ts-expect-error a plain .mjs helper shared with the child process
import { raceModel } from './writeLoop.mjs';
import type { Graph } from '../../src/ir/types.js';

const READERS = 86;
const SEEDS = [1, 2, 3, 4];
const dir = mkdtempSync(join(tmpdir(), 'nf-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = new Float32Array(32 * 4 * 4);
fillNormal(input, 1, rngFor(7, 'readers'));
const dims = [1, 32, 4, 4];

async function outputOf(s: Session): Promise<Float32Array> {
  try {
    return (await runFloat32(s, input, dims)).data;
  } finally {
    await s.release();
  }
}

/** Which seed's output `y` is (-1: none of them). */
const which = (y: Float32Array, refs: readonly Float32Array[]): number => refs.findIndex((r) => r.length === y.length && r.every((v, i) => Math.abs(v - y[i]!) <= 1e-5 * (1 + Math.abs(v))));

describe('86 readers racing a writer of a model with external data', () => {
  test('every load is one complete model: netforge always loads, onnxruntime alone never mixes', async () => {
    const refs = await Promise.all(SEEDS.map(async (s) => outputOf(await createSession(toOnnxBytes(raceModel(s) as Graph), { intraOpNumThreads: 1 }))));
    expect(new Set(refs.map((r) => r.join())).size).toBe(SEEDS.length);
    const out = join(dir, 'm.onnx');
    const writer = spawn(process.execPath, [join(import.meta.dirname, 'writeLoop.mjs'), out, SEEDS.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: writer.stdout });
    const said: string[] = [];
    const ready = new Promise<void>((resolve) => lines.on('line', (l) => (said.push(l), l === 'ready' && resolve())));
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    await ready;
    const tally = { netforge: [0, 0, 0, 0, 0], onnxruntime: [0, 0, 0, 0, 0], ortFailed: 0 };
    try {
      for (let i = 0; i < READERS; i++) {
        // netforge's reader (run, bench): reloads when the model was replaced under a failed load
        const ps = await createProviderSession(out, { intraOpNumThreads: 1, logSeverityLevel: 4 });
        tally.netforge[which(await outputOf(ps.session), refs) + 1]!++;
        // onnxruntime alone (its own log silenced: a load that lost its data is counted, not printed)
        try {
          tally.onnxruntime[which(await outputOf(await createOrtSession(out, { intraOpNumThreads: 1, logSeverityLevel: 4 })), refs) + 1]!++;
        } catch {
          tally.ortFailed++;
        }
      }
    } finally {
      writer.stdin!.end();
    }
    expect(await exited).toBe(0);
    const writes = Number(said.find((l) => l.startsWith('writes '))?.slice(7));
    console.log(`[readers] ${READERS} loads by netforge and ${READERS} by onnxruntime during ${writes} writes: netforge per model ${tally.netforge.slice(1).join('/')}, mixed ${tally.netforge[0]}; onnxruntime per model ${tally.onnxruntime.slice(1).join('/')}, mixed ${tally.onnxruntime[0]}, failed to load ${tally.ortFailed}`);
    expect(tally.netforge[0], 'netforge loaded a mix of two models').toBe(0);
    expect(tally.onnxruntime[0], 'onnxruntime loaded a mix of two models').toBe(0);
    expect(tally.netforge.slice(1).reduce((a, b) => a + b, 0)).toBe(READERS);
    expect(writes).toBeGreaterThan(READERS / 4); // the writer really raced the readers
    // the last model and the one it replaced keep their data; nothing else of m.onnx is left
    expect(readdirSync(dir).filter((f) => f.startsWith('m.onnx.')).length).toBeLessThanOrEqual(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  }, 120_000);
});
