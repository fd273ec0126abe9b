import { describe, expect, test } from 'vitest';
import { buildGraph, conv2d, flatten, linear, relu } from '../../dsl/index.js';
import { initParams } from '../../passes/initParams.js';
import { toOnnxBytes } from '../onnx/serialize.js';
import { DEFAULT_LOG_SEVERITY, createSession, expectedInput, ortSessionOptions, runFloat32 } from './session.js';
import { createProviderSession } from './providers.js';
import type { SessionOptions } from './session.js';

const tiny = (): Uint8Array =>
  toOnnxBytes(initParams(buildGraph({ name: 'tiny', input: [3, 8, 8] }, (x) => linear(flatten(relu(conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }))), { name: 'fc', outFeatures: 5 })), 0));

describe('ortSessionOptions', () => {
  test('defaults: cpu, all optimizations, onnxruntime logging at error level', () => {
    expect(DEFAULT_LOG_SEVERITY).toBe(3);
    expect(ortSessionOptions()).toEqual({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  });
  test('a caller may ask for more (or less) onnxruntime logging', () => {
    expect(ortSessionOptions({ logSeverityLevel: 1 }).logSeverityLevel).toBe(1);
    expect(ortSessionOptions({ logSeverityLevel: 4, executionProviders: ['webgpu'], disableCpuFallback: true })).toMatchObject({
      executionProviders: ['webgpu'],
      logSeverityLevel: 4,
      extra: { 'session.disable_cpu_ep_fallback': '1' },
    });
  });
  test('intra-op spinning off, alone and with the CPU-fallback switch', () => {
    expect(ortSessionOptions({ intraOpSpinning: false }).extra).toEqual({ 'session.intra_op.allow_spinning': '0' });
    expect(ortSessionOptions({ intraOpSpinning: false, disableCpuFallback: true }).extra).toEqual({ 'session.disable_cpu_ep_fallback': '1', 'session.intra_op.allow_spinning': '0' });
    expect(ortSessionOptions({ intraOpSpinning: true }).extra).toBeUndefined();
  });
  test('createProviderSession passes the log level through to the session factory', async () => {
    const seen: SessionOptions[] = [];
    const create = (m: string | Uint8Array, o: SessionOptions) => {
      seen.push(o);
      return createSession(m, o);
    };
    const ps = await createProviderSession(tiny(), { create, logSeverityLevel: 2, onNotice: () => {} });
    await ps.session.release();
    expect(seen.map((o) => o.logSeverityLevel)).toEqual([2]);
  });
  test('onnxruntime accepts the log levels and the session still runs', async () => {
    for (const logSeverityLevel of [2, 3, 4] as const) {
      const s = await createSession(tiny(), { logSeverityLevel });
      const r = await runFloat32(s, new Float32Array(3 * 8 * 8), [1, 3, 8, 8]);
      expect(r.dims).toEqual([1, 5]);
      await s.release();
    }
  });
});

describe('expectedInput', () => {
  test('names the declared shape and type, or just the name when onnxruntime gives no metadata', () => {
    const meta = (m: unknown): Parameters<typeof expectedInput>[0] => ({ inputMetadata: m }) as Parameters<typeof expectedInput>[0];
    expect(expectedInput(meta([{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 3, 32, 32] }]), 'input')).toBe("the model expects input 'input' [N, 3, 32, 32] (float32)");
    expect(expectedInput(meta([]), 'input')).toBe("the model expects input 'input'");
    expect(expectedInput(meta(undefined), 'x')).toBe("the model expects input 'x'");
  });
});
