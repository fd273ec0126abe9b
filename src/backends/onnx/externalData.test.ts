import { describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGraph, conv2d } from '../../dsl/index.js';
import { initParams } from '../../passes/initParams.js';
import { writeOnnx } from './serialize.js';
import { dataFileName, externalDataLocations, isDataFileOf } from './externalData.js';

const fresh = (): string => realpathSync(mkdtempSync(join(tmpdir(), 'nf-extdata-')));
const model = (seed: number) =>
  initParams(
    buildGraph({ name: 'small', input: [3, 8, 8] }, (x) => conv2d(x, { name: 'conv', outChannels: 64, kernel: 3, bias: false })),
    seed,
  );

describe('content-named external data', () => {
  test('the name is the model file name and 16 hex digits of the sha256 of the data', () => {
    const a = dataFileName('m.onnx', [new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(a).toBe(dataFileName('m.onnx', [new Uint8Array([1, 2, 3])]));
    expect(a).toMatch(/^m\.onnx\.[0-9a-f]{16}\.data$/);
    expect(dataFileName('m.onnx', [new Uint8Array([1, 2, 4])])).not.toBe(a);
    const mine = isDataFileOf('m.onnx');
    expect([a, 'm.onnx.data', 'm.onnx.0123456789ABCDEF.data', 'm.onnx.notes.data', 'n.onnx.0123456789abcdef.data', 'm.onnx.0123456789abcdef.data.tmp'].map(mine)).toEqual([true, true, false, false, false, false]);
  });

  test('each write leaves the new data and the replaced model\'s data (for its readers); older data of that name goes', () => {
    const d = fresh();
    const out = join(d, 'm.onnx');
    writeFileSync(join(d, 'm.onnx.notes.data'), 'not ours');
    writeFileSync(join(d, 'n.onnx.0123456789abcdef.data'), 'another model\'s');
    const gen = (seed: number): string => {
      const w = writeOnnx(out, model(seed), { externalData: true });
      expect(externalDataLocations(out)).toEqual([w.externalPath!.slice(d.length + 1)]);
      return w.externalPath!.slice(d.length + 1);
    };
    const a = gen(1);
    const b = gen(2);
    expect(readdirSync(d).sort()).toEqual([a, b, 'm.onnx', 'm.onnx.notes.data', 'n.onnx.0123456789abcdef.data'].sort());
    const c = gen(3);
    expect(readdirSync(d).sort()).toEqual([b, c, 'm.onnx', 'm.onnx.notes.data', 'n.onnx.0123456789abcdef.data'].sort());
    expect(gen(3)).toBe(c); // same model again: same name
    expect(readdirSync(d).sort()).toEqual([c, 'm.onnx', 'm.onnx.notes.data', 'n.onnx.0123456789abcdef.data'].sort());
    writeOnnx(out, model(4)); // without external data: the replaced model's data stays one more write
    expect(externalDataLocations(out)).toEqual([]);
    expect(readdirSync(d).sort()).toEqual([c, 'm.onnx', 'm.onnx.notes.data', 'n.onnx.0123456789abcdef.data'].sort());
  });

  test('through a symbolic link the data goes beside the file it points to', () => {
    const d = fresh();
    mkdirSync(join(d, 'real'));
    writeFileSync(join(d, 'real', 'm.onnx'), 'old');
    symlinkSync(join(d, 'real', 'm.onnx'), join(d, 'link.onnx'));
    const w = writeOnnx(join(d, 'link.onnx'), model(1), { externalData: true });
    expect(w.externalPath!.startsWith(join(d, 'real', 'm.onnx.'))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['link.onnx', 'real']);
  });

  test('reading locations never blocks or throws: a FIFO, a missing file, a file that is no model', () => {
    const d = fresh();
    spawnSync('mkfifo', [join(d, 'fifo.onnx')]);
    writeFileSync(join(d, 'junk.onnx'), Buffer.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(externalDataLocations(join(d, 'fifo.onnx'))).toEqual([]);
    expect(externalDataLocations(join(d, 'missing.onnx'))).toEqual([]);
    expect(externalDataLocations(join(d, 'junk.onnx'))).toEqual([]);
  });
});
