/**
 * The collision rule as a property (issue 17, item 2): random commands (compile, report, run,
 * weights convert) whose outputs are drawn from the inputs' own paths, other spellings of them
 * (`sub/../x`, absolute), symbolic and hard links to them, another output's path, devices,
 * FIFOs, and fresh paths, never change a byte of an input, never exit with anything but 0, 1
 * or 2, and leave no temp file. Seeded (NETFORGE_FUZZ_SEED / NETFORGE_COLLISION_RUNS); the
 * commands run in this process through the CLI's own entry point, one small model
 * (cifar_resnet20) throughout.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { writeOnnx } from '../../src/backends/onnx/serialize.js';
import { writeNpy } from '../../src/weights/npy.js';
import { writeCheckpoint } from '../weights/helpers.js';

const SEED = Number(process.env['NETFORGE_FUZZ_SEED'] ?? 20261127);
const RUNS = Number(process.env['NETFORGE_COLLISION_RUNS'] ?? 40);
const d = mkdtempSync(join(tmpdir(), 'nf-collision-fuzz-'));
afterAll(() => rmSync(d, { recursive: true, force: true }));

// The inputs, and every other name that reaches them.
const c20 = compile(ZOO.get('cifar_resnet20')!);
writeOnnx(join(d, 'm.onnx'), c20.graph);
writeCheckpoint(join(d, 'w.safetensors'), 'cifar_resnet20');
writeNpy(join(d, 'x.npy'), 'float32', [1, 3, 32, 32], new Uint8Array(3 * 32 * 32 * 4));
writeFileSync(join(d, 'model.ts'), "import { defineModel, conv2d } from 'netforge';\nexport default defineModel({ name: 'tiny', input: [3, 8, 8], build: (x) => conv2d(x, { name: 'c', outChannels: 4, kernel: 3 }) });\n");
const INPUTS = ['m.onnx', 'w.safetensors', 'x.npy', 'model.ts'];
mkdirSync(join(d, 'sub'));
// a third hard link of each input, out of every command's reach, to restore it from after a command legitimately overwrote it
const keep = mkdtempSync(join(tmpdir(), 'nf-collision-keep-'));
afterAll(() => rmSync(keep, { recursive: true, force: true }));
for (const f of INPUTS) {
  symlinkSync(f, join(d, `sym-${f}`));
  linkSync(join(d, f), join(d, `hard-${f}`));
  linkSync(join(d, f), join(keep, f));
}
spawnSync('mkfifo', [join(d, 'fifo.safetensors')]);
symlinkSync('/dev/null', join(d, 'null.onnx'));
const aliases = INPUTS.flatMap((f) => [join(d, f), join(d, 'sub', '..', f), join(d, `sym-${f}`), join(d, `hard-${f}`)]);
const others = [join(d, 'fifo.safetensors'), join(d, 'null.onnx'), join(d, 'new.onnx'), join(d, 'new.ts'), join(d, 'new.html'), join(d, 'new.npy'), join(d, 'new.safetensors'), join(d, 'sub', 'new.onnx')];

function state(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d).sort()) {
    const p = join(d, f);
    const l = lstatSync(p);
    out[f] = l.isSymbolicLink() ? `-> ${readlinkSync(p)}` : l.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : l.isFIFO() ? 'fifo' : 'dir';
  }
  return out;
}
const initial = state();

/**
 * Put every case back on the same files: remove what a command created, and re-link an input
 * (or its hard link) that a command replaced. Replacing a file the command does not read is
 * allowed (`report cifar_resnet20 -o m.onnx` is a plain overwrite); the original stays in `keep`.
 */
function reset(): void {
  for (const f of readdirSync(d)) if (!(f in initial)) rmSync(join(d, f), { recursive: true, force: true });
  for (const f of readdirSync(join(d, 'sub'))) rmSync(join(d, 'sub', f), { force: true });
  for (const f of INPUTS) {
    for (const name of [f, `hard-${f}`]) {
      if (lstatSync(join(d, name)).ino === lstatSync(join(keep, f)).ino) continue;
      rmSync(join(d, name));
      linkSync(join(keep, f), join(d, name));
    }
  }
}

/** The inputs a command reads (by their base name). */
function reads(argv: readonly string[]): string[] {
  const text = argv.join(' ');
  return INPUTS.filter((f) => (f === 'm.onnx' || f === 'x.npy' ? argv[0] === 'run' : f === 'w.safetensors' ? argv[0] === 'weights' || text.includes('--weights') : argv[1]!.endsWith('model.ts')));
}

const out = fc.constantFrom(...aliases, ...others);
const command = fc.oneof(
  fc.tuple(fc.constantFrom('cifar_resnet20', join(d, 'model.ts')), fc.option(fc.constantFrom(...aliases.filter((a) => a.includes('w.safetensors')))), out, fc.option(out), fc.boolean()).map(([model, weights, o, emit, ext]) => [
    'compile',
    model,
    ...(weights !== null && model === 'cifar_resnet20' ? ['--weights', weights] : []),
    '-o',
    o,
    ...(emit !== null ? ['--emit-ts', emit] : []),
    ...(ext ? ['--external-data'] : []),
    '-q',
  ]),
  fc.tuple(fc.constantFrom('cifar_resnet20', join(d, 'model.ts')), out).map(([model, o]) => ['report', model, '-o', o]),
  fc.tuple(fc.constantFrom(...aliases.filter((a) => a.includes('m.onnx'))), fc.constantFrom(...aliases.filter((a) => a.includes('x.npy'))), out).map(([m, x, o]) => ['run', m, '--input', x, '-o', o, '-q']),
  fc.tuple(fc.constantFrom(...aliases.filter((a) => a.includes('w.safetensors'))), out).map(([w, o]) => ['weights', 'convert', w, o, '-q']),
);

describe(`the collision rule, fuzzed (seed ${SEED}, ${RUNS} commands)`, () => {
  test('no command changes an input, through any name of it', async () => {
    const tally = { tried: 0, ok: 0, collided: 0, refusedKind: 0, otherError: 0 };
    const otherCodes = new Map<string, number>();
    const quiet = { out: () => {}, err: (s: string) => void (last = s), isTTY: false };
    let last = '';
    await fc.assert(
      fc.asyncProperty(command, async (argv) => {
        tally.tried++;
        last = '';
        const code = await main(argv, quiet);
        expect([0, 1, 2], `${argv.join(' ')}: ${last}`).toContain(code);
        if (code === 0) tally.ok++;
        else if (last.startsWith('error[E_OUTPUT_COLLIDES]')) tally.collided++;
        else if (last.startsWith('error[E_OUTPUT_NOT_FILE]')) tally.refusedKind++;
        else {
          tally.otherError++;
          const c = /^error\[(\w+)\]/.exec(last)?.[1] ?? 'none';
          otherCodes.set(c, (otherCodes.get(c) ?? 0) + 1);
        }
        const now = state();
        // every name of every input the command reads: the file, its hard link, what its symbolic link points to
        for (const f of reads(argv)) {
          for (const name of [f, `hard-${f}`, `sym-${f}`]) expect(now[name], `${argv.join(' ')} changed ${name}`).toBe(initial[name]);
          expect(lstatSync(join(d, f)).ino, `${argv.join(' ')} replaced ${f}`).toBe(lstatSync(join(keep, f)).ino);
        }
        expect(Object.keys(now).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock') || f.endsWith('.netforge.mjs'))).toEqual([]);
        reset();
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`[collision fuzz] seed ${SEED}: ${tally.tried} commands, ${tally.ok} ran, ${tally.collided} refused as collisions, ${tally.refusedKind} refused as non-files, ${tally.otherError} other errors (${[...otherCodes].map(([c, k]) => `${c} ${k}`).join(', ')}); inputs changed: 0`);
    expect(tally.collided).toBeGreaterThan(0);
    expect(tally.ok).toBeGreaterThan(0);
  }, 300_000);
});
