/**
 * Weights at the command line: --weights FILE|URL|imagenet1k_v1, the cache, `weights ls`
 * and `weights convert`, --num-classes with a pretrained head, --freeze-backbone, and bad
 * input (truncated, wrong magic, another architecture): exit 1, a clean error naming the
 * file, no output written. Downloads only ever talk to a server on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { netforge } from '../helpers/cli.js';
import { graphOf, metaOf, readModel } from '../helpers/onnx.js';
import { readWeights } from '../../src/weights/load.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import { fixture } from '../fixtures/weights/helpers.js';
import { barrier, netforgeAsync, slowly, startServer, writeCheckpoint, type TestServer } from './helpers.js';
import type { WeightTensor } from '../../src/weights/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-weights-cli-'));
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);
const listing = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);

const c20 = join(dir, 'cifar_resnet20.safetensors');
let c20sd: Map<string, WeightTensor>;
let c20bytes: Buffer;
let c20name: string;
let server: TestServer;

beforeAll(async () => {
  c20sd = writeCheckpoint(c20, 'cifar_resnet20');
  c20bytes = readFileSync(c20);
  c20name = `cifar_resnet20-${createHash('sha256').update(c20bytes).digest('hex').slice(0, 8)}.safetensors`;
  server = await startServer({
    [`/models/${c20name}`]: (_req, res) => {
      res.writeHead(200, { 'content-length': c20bytes.length });
      res.end(c20bytes);
    },
    [`/slow/${c20name}`]: barrier(2, slowly(c20bytes, 20, 25)),
    [`/stuck/${c20name}`]: slowly(c20bytes, 20, 25, 3),
  });
});
afterAll(() => server.close());

/** The raw bytes of an ONNX initializer. */
function initializer(onnxPath: string, name: string): Uint8Array {
  const t = graphOf(readModel(onnxPath)).initializer.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t.rawData as Uint8Array;
}

describe('--weights FILE', () => {
  test('loads every tensor (bit-exact in the ONNX file when BatchNorm is kept)', () => {
    const out = join(dir, 'c20.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '--weights', c20, '--no-fold-bn', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`weights  ${c20}`);
    for (const name of ['conv1.weight', 'layer3.2.bn2.running_var', 'fc.weight']) {
      expect(Buffer.from(initializer(out, name)).equals(Buffer.from(c20sd.get(name)!.data))).toBe(true);
    }
    const meta = metaOf(readModel(out));
    expect(JSON.parse(meta['netforge.weights']!)).toEqual({ source: c20, loaded: 97 });
  });

  test('--num-classes with another class count keeps the backbone and starts a fresh head', () => {
    const out = join(dir, 'c20_5.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '--weights', c20, '--num-classes', '5', '--no-fold-bn', '--seed', '3', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: fc.weight/fc.bias: checkpoint has 10 classes, model has 5: head initialized from seed 3 (like replacing model.fc after loading pretrained weights)');
    expect(Buffer.from(initializer(out, 'layer1.0.conv1.weight')).equals(Buffer.from(c20sd.get('layer1.0.conv1.weight')!.data))).toBe(true);
    expect(initializer(out, 'fc.weight').byteLength).toBe(5 * 64 * 4);
  });

  test('without --num-classes a head of another size is an error that says which flag fixes it', () => {
    const c5 = join(dir, 'c20_5classes.safetensors');
    writeCheckpoint(c5, 'cifar_resnet20', { numClasses: 5 });
    const out = join(dir, 'never.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '--weights', c5, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[E_STATE_DICT]');
    expect(r.stderr).toContain('fc.weight: checkpoint [5, 64], model [10, 64]');
    expect(r.stderr).toContain('--num-classes 5');
    expect(existsSync(out)).toBe(false);
  });

  test('a fine-tuning model file (same backbone, new head) is told to pass --num-classes, not to compile the zoo model', () => {
    const model = join(dir, 'c20_birds.ts');
    writeFileSync(model, `import { basicBlock, defineModel, resnet } from 'netforge';\n\nexport default defineModel({\n  name: 'c20_birds',\n  input: [3, 32, 32],\n  build: (x, o) => resnet(x, { block: basicBlock, layers: [3, 3, 3], stem: 'cifar', shortcut: 'A', numClasses: o.numClasses ?? 5 }),\n});\n`);
    const out = join(dir, 'birds.onnx');
    const r = netforge(['compile', model, '--weights', c20, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('fc.weight: checkpoint [10, 64], model [5, 64]');
    expect(r.stderr).toContain('pass --num-classes 5 to load the backbone and start a fresh 5-class head');
    expect(r.stderr).not.toContain('instead of c20_birds');
    const ok = netforge(['compile', model, '--weights', c20, '--num-classes', '5', '-o', out]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('checkpoint has 10 classes, model has 5: head initialized');
  });

  test('--no-strict loads what fits (a checkpoint with extra keys and a missing head), says what it skipped', () => {
    const ft = join(dir, 'c20_finetuned.safetensors');
    const sd = new Map(c20sd);
    sd.delete('fc.weight');
    sd.delete('fc.bias');
    sd.set('projector.weight', { dtype: 'float32', shape: [2], data: new Uint8Array(8) });
    writeSafetensors(ft, sd);
    const out = join(dir, 'c20_nonstrict.onnx');
    const strict = netforge(['compile', 'cifar_resnet20', '--weights', ft, '-o', out]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/2 missing keys, 1 unexpected key/);
    expect(strict.stderr).toContain('as load_state_dict(strict=False) does, pass --no-strict');
    const r = netforge(['compile', 'cifar_resnet20', '--weights', ft, '--no-strict', '--seed', '2', '--no-fold-bn', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: non-strict load from ${ft}: 2 params not in the checkpoint initialized from seed 2 (fc.weight, fc.bias); 1 checkpoint key ignored (projector.weight)`);
    expect(Buffer.from(initializer(out, 'layer1.0.conv1.weight')).equals(Buffer.from(c20sd.get('layer1.0.conv1.weight')!.data))).toBe(true);
    expect(JSON.parse(metaOf(readModel(out))['netforge.weights']!)).toMatchObject({ loaded: 95, initialized: ['fc.weight', 'fc.bias'], strict: false, ignored: ['projector.weight'] });
    const usage = netforge(['compile', 'cifar_resnet20', '--no-strict', '-o', out]);
    expect(usage.code).toBe(2);
  });

  test('--freeze-backbone: trainable and frozen counts in the summary and the ONNX metadata', () => {
    const out = join(dir, 'frozen.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '--weights', c20, '--freeze-backbone', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('frozen   269,072 params (backbone); 650 trainable');
    const meta = metaOf(readModel(out));
    expect(meta['netforge.trainable_params']).toBe('650');
    expect(meta['netforge.frozen_params']).toBe(String(269_722 - 650));
    const s = netforge(['summary', 'cifar_resnet20', '--freeze-backbone', '--json']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ trainableParams: 650, frozenParams: 269_072 });
    const plain = netforge(['summary', 'cifar_resnet20']);
    expect(JSON.parse(netforge(['summary', 'cifar_resnet20', '--json']).stdout)).toMatchObject({ frozenParams: 0 });
    expect(plain.code).toBe(0);
  });

  test('summary --weights checks the checkpoint against the model', () => {
    const ok = netforge(['summary', 'cifar_resnet20', '--weights', c20]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Weights: ${c20}`);
    const bad = netforge(['summary', 'cifar_resnet32', '--weights', c20]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error[E_STATE_DICT]');
  });

  test('reader notices are printed (DataParallel prefix, training checkpoint)', () => {
    // dataparallel.pth and wrapped.pth hold tiny non-ResNet state dicts: the notices come before the mismatch error.
    const r = netforge(['compile', 'cifar_resnet20', '--weights', fixture('dataparallel.pth'), '-o', join(dir, 'x.onnx')]);
    expect(r.stderr).toMatch(/note: dataparallel\.pth: every key began with 'module\.'/);
    expect(r.stderr).toContain("not one checkpoint key names a param of cifar_resnet20 (the checkpoint has 'conv.weight'");
    expect(r.code).toBe(1);
    const w = netforge(['summary', 'cifar_resnet20', '--weights', fixture('wrapped.pth')]);
    expect(w.stderr).toContain("note: wrapped.pth is a training checkpoint: loaded the state dict from its 'state_dict' entry");
    expect(w.code).toBe(1);
  });
});

describe('bad weights at the command line', () => {
  const cases: [string, () => string, string, RegExp][] = [
    [
      'truncated file',
      () => {
        const p = join(dir, 'truncated.safetensors');
        writeFileSync(p, c20bytes.subarray(0, Math.floor(c20bytes.length / 2)));
        return p;
      },
      'E_SAFETENSORS_HEADER',
      /data_offsets|outside/,
    ],
    [
      'wrong magic',
      () => {
        const p = join(dir, 'notes.pth');
        writeFileSync(p, 'these are not weights\n');
        return p;
      },
      'E_WEIGHTS_FORMAT',
      /unrecognised weights file/,
    ],
    ['a NumPy array instead of a state dict', () => fixture('f32.npy'), 'E_WEIGHTS_FORMAT', /\.npy/],
    ['a checkpoint for another architecture', () => c20, 'E_STATE_DICT', /the checkpoint is a cifar_resnet20: compile cifar_resnet20 instead of cifar_resnet32/],
    ['a file that does not exist', () => join(dir, 'nope.pth'), 'E_WEIGHTS_IO', /does not exist/],
  ];
  for (const [what, make, code, detail] of cases) {
    test(what, () => {
      const file = make();
      const outDir = mkdtempSync(join(dir, 'bad-'));
      const out = join(outDir, 'model.onnx');
      const r = netforge(['compile', 'cifar_resnet32', '--weights', file, '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error[${code}]`);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(detail);
      expect(r.stderr).toContain('help: ');
      noStack(r.stderr);
      expect(listing(outDir)).toEqual([]);
    });
  }

  test('a truncated .pth from torch', () => {
    const p = join(dir, 'cut.pth');
    const whole = readFileSync(fixture('mixed_zip.pth'));
    writeFileSync(p, whole.subarray(0, whole.length - 40));
    const r = netforge(['weights', 'ls', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_WEIGHTS_(TRUNCATED|CORRUPT)\]/);
    expect(r.stderr).toContain(p);
    noStack(r.stderr);
  });
});

describe('netforge weights', () => {
  test('ls lists names, shapes, dtypes, element counts and totals', () => {
    const r = netforge(['weights', 'ls', c20]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${c20}: safetensors, 116 tensors`);
    expect(r.stdout).toMatch(/^conv1\.weight\s+float32\s+\[16, 3, 3, 3\]\s+432$/m);
    expect(r.stdout).toMatch(/^bn1\.num_batches_tracked\s+int64\s+\[\]\s+1$/m);
    const floats = [...c20sd.values()].filter((t) => t.dtype === 'float32');
    const elements = [...c20sd.values()].reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    const bytes = [...c20sd.values()].reduce((s, t) => s + t.data.byteLength, 0);
    expect(r.stdout).toContain(`total: 116 tensors (float32 ${floats.length}, int64 ${116 - floats.length}), ${elements.toLocaleString('en-US')} elements, ${bytes.toLocaleString('en-US')} bytes`);
  });

  test('ls --json', () => {
    const r = netforge(['weights', 'ls', fixture('mixed_zip.pth'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const sd = readWeights(fixture('mixed_zip.pth'));
    expect(j.format).toBe('pth-zip');
    expect(j.tensors).toBe(sd.tensors.size);
    expect(j.entries.map((e: { name: string }) => e.name)).toEqual([...sd.tensors.keys()]);
    expect(j.bytes).toBe([...sd.tensors.values()].reduce((s, t) => s + t.data.byteLength, 0));
  });

  test('convert writes safetensors that read back identically', () => {
    const out = join(dir, 'mixed.safetensors');
    const r = netforge(['weights', 'convert', fixture('mixed_zip.pth'), out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`-> ${out}`);
    const a = readWeights(fixture('mixed_zip.pth'));
    const b = readWeights(out);
    expect(b.format).toBe('safetensors');
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    for (const [k, t] of a.tensors) {
      expect(b.tensors.get(k)!.dtype).toBe(t.dtype);
      expect(b.tensors.get(k)!.shape).toEqual(t.shape);
      expect(Buffer.from(b.tensors.get(k)!.data).equals(Buffer.from(t.data))).toBe(true);
    }
  });

  test('convert refuses other output formats and bad input without writing anything', () => {
    expect(netforge(['weights', 'convert', c20, join(dir, 'x.pth')]).code).toBe(2);
    const out = join(dir, 'never.safetensors');
    const r = netforge(['weights', 'convert', fixture('f32.npy'), out]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(netforge(['weights']).code).toBe(2);
    expect(netforge(['weights', 'rm', c20]).code).toBe(2);
  });
});

describe('--weights URL and torchvision names', () => {
  test('downloads into the cache once, with progress lines when stderr is not a terminal', async () => {
    const cache = join(dir, 'cache-url');
    const url = `${server.base}/models/${c20name}`;
    const out = join(dir, 'url.onnx');
    const r = await netforgeAsync(['compile', 'cifar_resnet20', '--weights', url, '--cache-dir', cache, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`downloading ${c20name}: 100%`);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toContain(`note: downloaded ${c20name}`);
    expect(listing(cache)).toEqual([c20name]);
    const again = await netforgeAsync(['compile', 'cifar_resnet20', '--weights', url, '-o', out], { env: { NETFORGE_CACHE: cache } });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('from the cache');
    expect(server.hits.get(`/models/${c20name}`)).toBe(1);
  });

  test('two processes downloading the same file end with one valid file', async () => {
    const cache = join(dir, 'cache-race');
    const url = `${server.base}/slow/${c20name}`;
    const [a, b] = await Promise.all([netforgeAsync(['weights', 'ls', url, '--cache-dir', cache]), netforgeAsync(['weights', 'ls', url, '--cache-dir', cache])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(server.hits.get(`/slow/${c20name}`)).toBe(2);
    expect(listing(cache)).toEqual([c20name]);
    expect(readFileSync(join(cache, c20name)).equals(c20bytes)).toBe(true);
  });

  test('an interrupted download leaves nothing in the cache', async () => {
    const cache = join(dir, 'cache-interrupt');
    const url = `${server.base}/stuck/${c20name}`;
    let pid = 0;
    const run = netforgeAsync(['weights', 'ls', url, '--cache-dir', cache], { onSpawn: (p) => (pid = p) });
    // Wait until the temp file exists (bytes are arriving), then interrupt as Ctrl-C would.
    for (let i = 0; i < 400 && listing(cache).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(listing(cache)).toHaveLength(1);
    expect(listing(cache)[0]).toMatch(/^\..*\.tmp$/);
    process.kill(pid, 'SIGINT');
    const r = await run;
    expect(r.signal).toBe('SIGINT');
    expect(listing(cache)).toEqual([]);
  });

  test('an unreachable host: clean error that says how to work offline', async () => {
    const r = await netforgeAsync(['compile', 'cifar_resnet20', '--weights', 'http://127.0.0.1:9/models/x-12345678.pth', '--cache-dir', join(dir, 'cache-off'), '-o', join(dir, 'off.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[E_DOWNLOAD_UNREACHABLE]');
    expect(r.stderr).toContain('could not be reached');
    expect(r.stderr).toContain('pass --weights FILE');
    noStack(r.stderr);
    expect(existsSync(join(dir, 'off.onnx'))).toBe(false);
  });

  test('imagenet1k_v1 resolves to torchvision\'s file name (found in the cache here, never fetched)', () => {
    const cache = join(dir, 'cache-tv');
    mkdirSync(cache, { recursive: true });
    writeCheckpoint(join(cache, 'resnet18-f37072fd.pth'), 'resnet18', { input: [3, 32, 32] });
    const out = join(dir, 'r18.onnx');
    const r = netforge(['compile', 'resnet18', '--weights', 'imagenet1k_v1', '--cache-dir', cache, '--input-size', '32', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`using ${join(cache, 'resnet18-f37072fd.pth')} from the cache`);
    const meta = metaOf(readModel(out));
    expect(JSON.parse(meta['netforge.weights']!).source).toBe('imagenet1k_v1 (https://download.pytorch.org/models/resnet18-f37072fd.pth)');
    expect(JSON.parse(meta['netforge.preprocessing']!)).toMatchObject({ resize: 256, crop: 224 });
  });

  test('imagenet1k_v2 records the V2 recipe (resize 232)', () => {
    const cache = join(dir, 'cache-tv2');
    mkdirSync(cache, { recursive: true });
    // resnet50's V2 file, made here (never downloaded): the loader only sees names and shapes
    writeCheckpoint(join(cache, 'resnet50-11ad3fa6.pth'), 'resnet50', { input: [3, 32, 32] });
    const out = join(dir, 'r50v2.onnx');
    const r = netforge(['compile', 'resnet50', '--weights', 'IMAGENET1K_V2', '--cache-dir', cache, '--input-size', '32', '-o', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(metaOf(readModel(out))['netforge.preprocessing']!)).toMatchObject({ resize: 232, crop: 224, mean: [0.485, 0.456, 0.406] });
  });

  test('a variant the model lacks is an error listing what exists', () => {
    const r = netforge(['compile', 'resnet18', '--weights', 'imagenet1k_v2', '--cache-dir', join(dir, 'cache-none'), '-o', join(dir, 'x.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[E_NO_PRETRAINED]');
    expect(r.stderr).toContain('imagenet1k_v1 (resnet18-f37072fd.pth)');
    const c = netforge(['compile', 'cifar_resnet20', '--weights', 'imagenet1k_v1', '-o', join(dir, 'x.onnx')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('error[E_NO_PRETRAINED]');
    const typo = netforge(['compile', 'resnet18', '--weights', 'imagenet1k_v3', '-o', join(dir, 'x.onnx')]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('error[E_WEIGHTS_SPEC]');
  });
});
