import { describe, expect, test } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildGraph } from './builder.js';
import { conv2d, relu } from './layers.js';
import { callerLoc, frameKind } from './sourceLoc.js';
import { formatLoc, type NetforgeError } from '../errors.js';

const here = fileURLToPath(import.meta.url);
const root = dirname(dirname(dirname(here)));

describe('frameKind', () => {
  test('classifies netforge files, user files and what to skip', () => {
    expect(frameKind('node:internal/modules/run_main')).toBe('skip');
    expect(frameKind(join(root, 'node_modules', 'vitest', 'dist', 'index.js'))).toBe('skip');
    expect(frameKind(join(root, 'src', 'dsl', 'layers.ts'))).toBe('dsl');
    expect(frameKind(join(root, 'src', 'zoo', 'imagenet.ts'))).toBe('pkg');
    // bin/netforge.js is at the bottom of every CLI stack (async frames): it is netforge's,
    // so a zoo model compiled by the CLI points at the zoo file, not at bin/netforge.js:3.
    expect(frameKind(join(root, 'bin', 'netforge.js'))).toBe('pkg');
    expect(frameKind(pathToFileURL(join(root, 'bin', 'netforge.js')).href)).toBe('pkg');
    expect(frameKind(here)).toBe('user');
    expect(frameKind('/home/someone/models/my-resnet.ts')).toBe('user');
    expect(frameKind(pathToFileURL('/home/someone/models/my-resnet.ts').href)).toBe('user');
  });
});

// The test runner transpiles this file and callerLoc sees the raw (transpiled) lines, so
// these tests check files and the order of lines, not their numbers.
describe('callerLoc', () => {
  test('DSL calls made here are located in this file, in order', () => {
    const g = buildGraph({ name: 't', input: [3, 8, 8] }, (x) => {
      const y = conv2d(x, { name: 'c', outChannels: 4, kernel: 3 });
      return relu(y);
    });
    const conv = g.nodes.find((n) => n.op === 'Conv')!;
    const reluNode = g.nodes.find((n) => n.op === 'Relu')!;
    expect(conv.loc?.file).toBe(here);
    expect(reluNode.loc?.file).toBe(here);
    expect(reluNode.loc!.line).toBeGreaterThan(conv.loc!.line);
  });

  test('outside any DSL call it returns the innermost user frame (this file)', () => {
    expect(callerLoc()?.file).toBe(here);
  });

  test('a duplicate module is reported at the second definition, naming where the first was', () => {
    let err: NetforgeError | undefined;
    try {
      buildGraph({ name: 't', input: [3, 8, 8] }, (x) => {
        const a = conv2d(x, { name: 'conv1', outChannels: 3, kernel: 1 });
        return conv2d(a, { name: 'conv1', outChannels: 3, kernel: 1 });
      });
    } catch (e) {
      err = e as NetforgeError;
    }
    expect(err?.code).toBe('E_DUPLICATE_MODULE');
    const at = formatLoc(err!.loc!).match(/sourceLoc\.test\.ts:(\d+):\d+$/);
    const firstAt = err!.message.match(/first at .*sourceLoc\.test\.ts:(\d+):\d+/);
    expect(at).not.toBeNull();
    expect(firstAt).not.toBeNull();
    expect(Number(at![1])).toBeGreaterThan(Number(firstAt![1]));
  });
});
