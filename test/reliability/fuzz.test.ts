/**
 * Fuzzing every reader with mutated real files (fast-check, seeded): truncation, bit flips,
 * splices, random overwrites and oversized length fields. Each input must either parse or
 * fail with a NetforgeError naming the file; never another exception, a hang, or an
 * allocation the file does not justify. The totals are printed and stated in the README.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetforgeError } from '../../src/errors.js';
import { parsePth } from '../../src/weights/pth.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { parseNpy } from '../../src/weights/npy.js';
import { parseWeights } from '../../src/weights/load.js';
import { compile } from '../../src/compile.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, runFloat32 } from '../../src/backends/ort/session.js';
import { basicBlock, buildGraph, conv2d, defineModel, flatten, linear, relu, resnet } from '../../src/dsl/index.js';
import { initParams } from '../../src/passes/initParams.js';

const FIX = join(import.meta.dirname, '../fixtures/weights');
const SEED = Number(process.env['NETFORGE_FUZZ_SEED'] ?? 20261127);
const RUNS = Number(process.env['NETFORGE_FUZZ_RUNS'] ?? 1500);
/** No single parse of these small inputs may take this long (a hang would). */
const PARSE_LIMIT_MS = 2000;

interface Tally {
  tried: number;
  parsed: number;
  refused: number;
  crashes: number;
  hangs: number;
}
const tallies = new Map<string, Tally>();

/** Mutations of a byte string, as fast-check arbitraries. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = base.length;
  const truncate = fc.nat({ max: n - 1 }).map((k) => base.slice(0, k));
  const flips = fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((fl) => {
    const b = base.slice();
    for (const [i, bit] of fl) b[i] = b[i]! ^ (1 << bit);
    return b;
  });
  const overwrite = fc.tuple(fc.nat({ max: n - 1 }), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([at, bytes]) => {
    const b = base.slice();
    b.set(bytes.subarray(0, Math.max(0, n - at)), at);
    return b;
  });
  const splice = fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 }), fc.nat({ max: 256 })).map(([from, to, len]) => {
    const piece = base.slice(from, from + len);
    const out = new Uint8Array(n + piece.length);
    out.set(base.subarray(0, to), 0);
    out.set(piece, to);
    out.set(base.subarray(to), to + piece.length);
    return out;
  });
  // A length field claiming an enormous size: 4 or 8 little-endian bytes of 0xff.. at a random spot.
  const oversized = fc.tuple(fc.nat({ max: Math.max(0, n - 8) }), fc.constantFrom(4, 8), fc.constantFrom(0x7f, 0xff)).map(([at, w, top]) => {
    const b = base.slice();
    for (let i = 0; i < w && at + i < n; i++) b[at + i] = i === w - 1 ? top : 0xff;
    return b;
  });
  const duplicated = fc.constant(null).map(() => {
    const out = new Uint8Array(n * 2);
    out.set(base, 0);
    out.set(base, n);
    return out;
  });
  return fc.oneof(truncate, flips, overwrite, splice, oversized, duplicated);
}

/** Feed every input to `parse`: it must load or throw a NetforgeError naming `file`, in bounded time. */
function tryAll(reader: string, inputs: fc.Arbitrary<Uint8Array>, numRuns: number, file: string, parse: (buf: Uint8Array, file: string) => unknown): void {
  const t: Tally = tallies.get(reader) ?? { tried: 0, parsed: 0, refused: 0, crashes: 0, hangs: 0 };
  tallies.set(reader, t);
  fc.assert(
    fc.property(inputs, (buf) => {
      t.tried++;
      const t0 = performance.now();
      try {
        parse(buf, file);
        t.parsed++;
      } catch (e) {
        if (!(e instanceof NetforgeError)) {
          t.crashes++;
          throw e;
        }
        expect(e.file).toBe(file);
        t.refused++;
      }
      if (performance.now() - t0 > PARSE_LIMIT_MS) {
        t.hangs++;
        throw new Error(`parse took ${performance.now() - t0} ms`);
      }
    }),
    { seed: SEED, numRuns, verbose: fc.VerbosityLevel.Verbose },
  );
}

/** Mutations of each fixture file; the unmutated file must load (or fail with `baseCode`). */
function fuzz(reader: string, files: readonly string[], parse: (buf: Uint8Array, file: string) => unknown, baseCode?: string): void {
  for (const f of files) {
    const base = new Uint8Array(readFileSync(join(FIX, f)));
    if (baseCode === undefined) expect(() => parse(base, f)).not.toThrow();
    else expect(() => parse(base, f)).toThrow(expect.objectContaining({ code: baseCode }));
    tryAll(reader, mutated(base), RUNS, f, parse);
  }
}

describe(`fuzzing the readers (seed ${SEED}, ${RUNS} inputs per file; NETFORGE_FUZZ_SEED / NETFORGE_FUZZ_RUNS to change)`, () => {
  test('.pth zip', () => fuzz('.pth zip', ['mixed_zip.pth', 'deflated.pth', 'wrapped.pth', 'parameters.pth'], parsePth));
  test('.pth legacy', () => fuzz('.pth legacy', ['mixed_legacy.pth', 'wrapped_legacy.pth'], parsePth));
  test('pickles refusing globals stay refused under mutation', () => fuzz('.pth malicious', ['evil_global.pth', 'evil_stack_global.pth', 'evil_legacy.pth'], parsePth, 'E_PICKLE_GLOBAL'));
  test('safetensors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-fuzz-'));
    const p = join(dir, 'm.safetensors');
    // a real file written by netforge's writer from the zip fixture's tensors
    const sd = parseWeights(new Uint8Array(readFileSync(join(FIX, 'mixed_zip.pth'))), 'mixed_zip.pth');
    return import('../../src/weights/safetensors.js').then(({ writeSafetensors }) => {
      writeSafetensors(p, sd.tensors, { source: 'fuzz' });
      tryAll('safetensors', mutated(new Uint8Array(readFileSync(p))), RUNS * 2, 'm.safetensors', parseSafetensors);
    });
  });
  test('.npy', () => fuzz('.npy', ['f32.npy', 'v2.npy', 'i64.npy', 'bool.npy'], parseNpy));
  test('format detection (any bytes)', () => tryAll('any file (detection)', fc.uint8Array({ maxLength: 4096 }), RUNS, 'random.bin', parseWeights));
  test('ONNX files read back by onnxruntime: mutated models are refused cleanly; the small net\'s that load also run or fail cleanly', async () => {
    // Two bases: a conv + linear net, and a miniature CIFAR ResNet (option-A shortcuts: Slice,
    // Pad, Add; small widths so that mutations land in the graph structure, not only in weights).
    const tiny = initParams(
      buildGraph({ name: 'tiny', input: [3, 8, 8] }, (x) => linear(flatten(relu(conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }))), { name: 'fc', outFeatures: 5 })),
      0,
    );
    const mini = compile(defineModel({ name: 'mini', input: [3, 16, 16], build: (x) => resnet(x, { block: basicBlock, layers: [1, 1, 1], stem: (s) => relu(conv2d(s, { name: 'conv1', outChannels: 4, kernel: 3, padding: 1 })), shortcut: 'A', widths: [4, 8, 16], numClasses: 3 }) })).graph;
    const t: Tally = { tried: 0, parsed: 0, refused: 0, crashes: 0, hangs: 0 };
    tallies.set('ONNX (onnxruntime)', t);
    for (const [g, dims] of [[tiny, [1, 3, 8, 8]], [mini, [1, 3, 16, 16]]] as const satisfies readonly (readonly [unknown, readonly number[]])[]) {
      const base = toOnnxBytes(g);
      const x = new Float32Array(dims.reduce((a: number, b: number) => a * b, 1)).fill(0.5);
      const samples = fc.sample(mutated(base), { seed: SEED, numRuns: Math.min(RUNS, 300) });
      /** A clean refusal has this code; anything else is a crash, counted and rethrown. */
      const refused = (e: unknown, code: string): void => {
        if (!(e instanceof NetforgeError)) {
          t.crashes++;
          throw e;
        }
        expect(e.code).toBe(code);
        t.refused++;
      };
      for (const b of samples) {
        t.tried++;
        let s;
        try {
          s = await createSession(b);
        } catch (e) {
          refused(e, 'E_ORT_SESSION');
          continue;
        }
        try {
          // Only the small net is run: a mutated Pad, Slice or Conv attribute in the ResNet can
          // ask for a legitimately huge computation (one took 42 s), the model's cost, not a
          // loader's failure.
          if (g === tiny) await runFloat32(s, x, dims);
          t.parsed++;
        } catch (e) {
          refused(e, 'E_ORT_RUN');
        } finally {
          await s.release();
        }
      }
    }
  });
});

afterAll(() => {
  const rows = [...tallies].map(([k, t]) => `  ${k.padEnd(26)} ${String(t.tried).padStart(6)} tried  ${String(t.parsed).padStart(5)} parsed  ${String(t.refused).padStart(6)} refused  crashes ${t.crashes}  hangs ${t.hangs}`);
  console.log(`fuzz summary (seed ${SEED}):\n${rows.join('\n')}`);
});
