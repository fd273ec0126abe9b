/**
 * Never destroy what the user gave (issue 17): outputs onto devices, FIFOs and symbolic links
 * (item 1), outputs that are inputs or each other (item 2), all outputs of a command committed
 * together (item 7), and the small ones of item 16 (long names, kept modes, repeated flags,
 * --help as a value, FIFOs as models). Each case checks the exit code, the error code and
 * every file involved, byte for byte.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { netforge } from '../helpers/cli.js';
import { scratchDirs } from '../helpers/scratch.js';
import { writeNpy } from '../../src/weights/npy.js';
import { writeCheckpoint } from '../weights/helpers.js';

const fresh = scratchDirs('nf-outputs-');
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** Every entry of `dir`: its kind and its bytes' sha256 (or a link's target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    const l = lstatSync(p);
    out[f] = l.isSymbolicLink() ? `link -> ${readlinkSync(p)}` : l.isFIFO() ? 'fifo' : l.isCharacterDevice() ? 'char device' : l.isFile() ? `file ${createHash('sha256').update(readFileSync(p)).digest('hex')} mode ${(l.mode & 0o777).toString(8)}` : 'other';
  }
  return out;
}

const MODEL_TS = `import { defineModel, conv2d, flatten, linear } from 'netforge';
export default defineModel({
  name: 'tiny',
  input: [3, 8, 8],
  build: (x) => linear(flatten(conv2d(x, { name: 'c', outChannels: 4, kernel: 3 })), { name: 'fc', outFeatures: 2 }),
});
`;

/** A directory with a model file, a weights file, a compiled model and an input. */
function workspace(): string {
  const d = fresh();
  writeFileSync(join(d, 'model.ts'), MODEL_TS);
  writeCheckpoint(join(d, 'w.pth'), 'cifar_resnet20'); // safetensors bytes under a .pth name: format is by content
  expect(netforge(['compile', 'cifar_resnet20', '-o', join(d, 'm.onnx'), '-q']).code).toBe(0);
  writeNpy(join(d, 'x.npy'), 'float32', [1, 3, 32, 32], new Uint8Array(3 * 32 * 32 * 4));
  return d;
}

describe('outputs that are inputs, or each other: a usage error before any work, nothing changed (item 2)', () => {
  const d = workspace();
  const cases: (readonly string[])[] = [
    ['compile', 'model.ts', '-o', 'model.onnx', '--emit-ts', 'model.ts'],
    ['compile', 'model.ts', '-o', 'model.ts'],
    ['compile', 'cifar_resnet20', '--weights', 'w.pth', '-o', 'w.pth'],
    ['compile', 'cifar_resnet20', '--weights', 'w.pth', '-o', './sub/../w.pth'],
    ['report', 'model.ts', '-o', 'model.ts'],
    ['run', 'm.onnx', '--input', 'x.npy', '-o', 'x.npy'],
    ['run', 'm.onnx', '--input', 'x.npy', '-o', 'm.onnx'],
    ['compile', 'cifar_resnet20', '-o', 's.onnx', '--emit-ts', 's.onnx'],
    ['weights', 'convert', 'w.pth', 'w.pth.safetensors', '--quiet'], // fine: a control case
  ];
  spawnSync('mkdir', [join(d, 'sub')]);
  symlinkSync('model.ts', join(d, 'link.ts'));
  linkSync(join(d, 'x.npy'), join(d, 'hard.npy'));
  writeCheckpoint(join(d, 'w.safetensors'), 'cifar_resnet20');
  cases.push(['compile', 'model.ts', '-o', 'link.ts'], ['run', 'm.onnx', '--input', 'x.npy', '-o', 'hard.npy'], ['weights', 'convert', 'w.safetensors', 'w.safetensors']);
  for (const args of cases) {
    const control = args[3] === 'w.pth.safetensors';
    test(`netforge ${args.join(' ')}`, () => {
      const before = snapshot(d);
      const r = netforge(args, { cwd: d });
      noStack(r.stderr);
      if (control) {
        expect(r.code).toBe(0);
        rmSync(join(d, 'w.pth.safetensors'));
        return;
      }
      expect(r.stderr).toMatch(/^error\[E_OUTPUT_COLLIDES\]: /);
      expect(r.code).toBe(2);
      expect(snapshot(d)).toEqual(before);
    });
  }
});

describe('outputs onto devices, FIFOs and links (item 1)', () => {
  const d = workspace();
  // named *.safetensors so that `weights convert` takes them too
  spawnSync('mkfifo', [join(d, 'fifo.safetensors')]);
  symlinkSync('/dev/null', join(d, 'null-link.safetensors'));
  symlinkSync('/proc/self/fd/1', join(d, 'stdout-link.safetensors'));
  symlinkSync(join(d, 'nowhere'), join(d, 'dangling.safetensors'));
  const root_ = process.getuid?.() === 0;
  // a copy of /dev/full (as in the issue) needs mknod, that is root
  if (root_) spawnSync('mknod', [join(d, 'full.safetensors'), 'c', '1', '7']);
  const targets = ['fifo', 'null-link', 'stdout-link', 'dangling', ...(root_ ? ['full'] : [])].map((t) => `${t}.safetensors`);
  const writers = (t: string): string[][] => [
    ['compile', 'cifar_resnet20', '-o', t],
    ['compile', 'cifar_resnet20', '-o', 'ok.onnx', '--emit-ts', t],
    ['report', 'cifar_resnet20', '-o', t],
    ['run', 'm.onnx', '--input', 'x.npy', '-o', t],
    ['weights', 'convert', 'w.pth', t],
  ];
  for (const t of targets) {
    test(`every writer refuses ${t} (E_OUTPUT_NOT_FILE, exit 2) and leaves it as it was`, () => {
      const before = snapshot(d);
      for (const args of writers(t)) {
        const r = netforge(args, { cwd: d, timeoutMs: 60_000 });
        expect(r.stderr, args.join(' ')).toMatch(/^error\[E_OUTPUT_NOT_FILE\]: /);
        expect(r.code, args.join(' ')).toBe(2);
      }
      expect(snapshot(d)).toEqual(before);
    });
  }
  test('a symbolic link to a regular file: the file it points to is replaced, the link stays', () => {
    writeFileSync(join(d, 'real.html'), 'old');
    symlinkSync('real.html', join(d, 'link.html'));
    const r = netforge(['report', 'cifar_resnet20', '-o', 'link.html'], { cwd: d });
    expect(r.code).toBe(0);
    expect(readlinkSync(join(d, 'link.html'))).toBe('real.html');
    expect(readFileSync(join(d, 'real.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });
});

describe('one command, one commit (item 7)', () => {
  test('--emit-ts failing after the checks (its directory gone mid-compile) leaves the previous .onnx as it was', () => {
    const d = fresh();
    spawnSync('mkdir', [join(d, 'ts')]);
    // the model's build removes the wrapper's directory: after every up-front check, before the write
    writeFileSync(
      join(d, 'model.ts'),
      MODEL_TS.replace("build: (x) =>", `build: (x) => (rmSync(${JSON.stringify(join(d, 'ts'))}, { recursive: true }), 0) ||`).replace("import { defineModel", "import { rmSync } from 'node:fs';\nimport { defineModel"),
    );
    writeFileSync(join(d, 'model.onnx'), 'the previous model');
    const r = netforge(['compile', 'model.ts', '-o', 'model.onnx', '--emit-ts', join('ts', 'model.wrapper.ts')], { cwd: d });
    noStack(r.stderr);
    expect(r.stderr).toMatch(/^error\[E_OUTPUT_IO\]: cannot write ts\/model\.wrapper\.ts: its directory does not exist/);
    expect(r.code).toBe(1);
    expect(readFileSync(join(d, 'model.onnx'), 'utf8')).toBe('the previous model');
    expect(readdirSync(d).sort()).toEqual(['model.onnx', 'model.ts']);
  });
});

describe('small ones (item 16)', () => {
  test('a legal 250-byte output name is written (the temp and lock names are shortened, not the output)', () => {
    const d = fresh();
    const name = `${'m'.repeat(245)}.onnx`;
    const r = netforge(['compile', 'cifar_resnet20', '-o', name, '--external-data', '-q'], { cwd: d });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = readdirSync(d).sort();
    expect(files).toHaveLength(2);
    expect(files).toContain(name);
    expect(files.every((f) => Buffer.byteLength(f) <= 255)).toBe(true);
  });
  test('rewriting an output keeps its mode (0600 stays 0600)', () => {
    const d = fresh();
    writeFileSync(join(d, 'm.onnx'), 'old');
    chmodSync(join(d, 'm.onnx'), 0o600);
    expect(netforge(['compile', 'cifar_resnet20', '-o', 'm.onnx', '-q'], { cwd: d }).code).toBe(0);
    expect(statSync(join(d, 'm.onnx')).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'm.onnx')).size).toBeGreaterThan(1000);
  });
  test('run and bench on a FIFO are refused at once instead of waiting on it forever', () => {
    const d = fresh();
    spawnSync('mkfifo', [join(d, 'm.onnx')]);
    writeNpy(join(d, 'x.npy'), 'float32', [1, 3, 32, 32], new Uint8Array(3 * 32 * 32 * 4));
    for (const args of [['run', 'm.onnx', '--input', 'x.npy'], ['bench', 'm.onnx', '--ep', 'cpu']]) {
      const r = netforge(args, { cwd: d, timeoutMs: 30_000 });
      expect(r.stderr, args.join(' ')).toMatch(/^error\[E_NOT_A_FILE\]: the model \S*m\.onnx is a FIFO \(named pipe\), not a regular file/);
      expect(r.code).toBe(1);
    }
  });
  test('a single-value flag given twice is a usage error; nothing is written', () => {
    const d = fresh();
    const r = netforge(['compile', 'cifar_resnet20', '-o', 'a.onnx', '-o', 'b.onnx'], { cwd: d });
    expect(r.stderr).toMatch(/^error\[E_USAGE\]: --output \(-o\) is given more than once \("a\.onnx" and "b\.onnx"\)/);
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual([]);
  });
  test('--help as the value of a flag, or after --, is not a request for help', () => {
    const d = fresh();
    const asValue = netforge(['compile', 'cifar_resnet20', '-q', '-o', '--help'], { cwd: d });
    expect(asValue.code).toBe(0);
    expect(asValue.stdout).toBe('');
    expect(existsSync(join(d, '--help'))).toBe(true);
    const afterDashes = netforge(['summary', '--', '--help'], { cwd: fresh() });
    expect(afterDashes.stdout).toBe('');
    expect(afterDashes.stderr).toMatch(/^error\[E_UNKNOWN_MODEL\]: unknown model '--help'/);
    expect(afterDashes.code).toBe(1);
    expect(netforge(['summary', '--help']).stdout).toMatch(/^netforge summary <model>/);
  });
});
