import { describe, expect, test } from 'vitest';
import { ORT_RANGE, loadOrt, loadOrtWith, ortProblem } from './ort.js';

const notFound = (): never => {
  throw Object.assign(new Error("Cannot find module 'onnxruntime-node'\nRequire stack:\n- /app/node_modules/netforge/dist/x.js"), { code: 'MODULE_NOT_FOUND' });
};

describe('loading onnxruntime-node', () => {
  test('missing: E_ORT_MISSING says what needs it, that it is not installed, and how to install it without the CUDA download', () => {
    let err: unknown;
    try {
      loadOrtWith(notFound, 'netforge run');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_ORT_MISSING', message: `netforge run needs onnxruntime-node (${ORT_RANGE}): onnxruntime-node is not installed` });
    const hint = (err as { hint: string }).hint;
    expect(hint).toContain('npm install onnxruntime-node');
    expect(hint).toContain('"allowScripts": { "onnxruntime-node": false }');
    expect(hint).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
    expect(hint).toContain('compile, summary and report do not need it');
  });

  test('installed but its native binding fails: said so, with the first line of the reason', () => {
    const broken = (): never => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file: No such file or directory\nmore');
    };
    expect(() => loadOrtWith(broken)).toThrow(/is installed but does not load: libonnxruntime\.so\.1: cannot open shared object file: No such file or directory$/);
  });

  test('installed (as in this repository): the module, loaded once', () => {
    expect(ortProblem()).toBeUndefined();
    const ort = loadOrt();
    expect(typeof ort.InferenceSession.create).toBe('function');
    expect(ort.listSupportedBackends().map((b) => b.name)).toContain('cpu');
    expect(loadOrt()).toBe(ort);
  });
});
