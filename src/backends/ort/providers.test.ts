import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NetforgeError } from '../../errors.js';
import type { Session, SessionOptions } from './session.js';
import {
  CUDA_INSTALL_HINT,
  classifyFailure,
  createProviderSession,
  cudaLibraryFiles,
  parseEp,
  planProviders,
  providerFacts,
  vulkanFacts,
  type ProviderFacts,
  type VulkanFacts,
} from './providers.js';

const ALL: ProviderFacts = { compiled: new Set(['cpu', 'webgpu', 'cuda', 'tensorrt']), cudaMissing: [], bindingDir: '/ort/bin' };
const NO_CUDA_LIBS: ProviderFacts = { ...ALL, cudaMissing: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] };
const CPU_ONLY_BUILD: ProviderFacts = { compiled: new Set(['cpu']), cudaMissing: [], bindingDir: '/ort/bin' };
const VULKAN: VulkanFacts = { loader: '/lib/libvulkan.so.1', drivers: ['lvp_icd.x86_64.json'] };

const auto = { kind: 'auto' } as const;
const list = (...providers: ('cpu' | 'webgpu' | 'cuda')[]) => ({ kind: 'list', providers }) as const;

describe('parseEp', () => {
  test('auto, single names, comma lists in order (duplicates dropped, case-insensitive)', () => {
    expect(parseEp('auto')).toEqual({ kind: 'auto' });
    expect(parseEp('cpu')).toEqual(list('cpu'));
    expect(parseEp('WebGPU, cpu,webgpu')).toEqual(list('webgpu', 'cpu'));
  });
  test.each(['', 'gpu', 'cpu,tensorrt', 'auto,cpu'])('%j is a usage error (exit 2)', (s) => {
    try {
      parseEp(s);
      expect.unreachable();
    } catch (e) {
      expect((e as NetforgeError).code).toBe('E_USAGE');
      expect((e as NetforgeError).exitCode).toBe(2);
    }
  });
});

describe('planProviders (pure: request x facts)', () => {
  test('auto with everything installed: cuda, then webgpu, then cpu; cuda preferred', () => {
    expect(planProviders(auto, ALL)).toEqual({ preferred: 'cuda', candidates: ['cuda', 'webgpu', 'cpu'], excluded: [] });
  });
  test('auto without the CUDA libraries: cuda is excluded (with the install hint), webgpu is preferred', () => {
    const p = planProviders(auto, NO_CUDA_LIBS);
    expect(p.preferred).toBe('webgpu');
    expect(p.candidates).toEqual(['webgpu', 'cpu']);
    expect(p.excluded.map((u) => [u.provider, u.tried, u.hint])).toEqual([['cuda', false, CUDA_INSTALL_HINT]]);
  });
  test('auto on a cpu-only build: cpu preferred, nothing to report', () => {
    expect(planProviders(auto, CPU_ONLY_BUILD)).toEqual({ preferred: 'cpu', candidates: ['cpu'], excluded: [] });
  });
  test('a list is tried in order with cpu appended as the last resort', () => {
    expect(planProviders(list('webgpu'), ALL)).toEqual({ preferred: 'webgpu', candidates: ['webgpu', 'cpu'], excluded: [] });
    expect(planProviders(list('cpu', 'webgpu'), ALL).candidates).toEqual(['cpu', 'webgpu']);
  });
  test('--ep cuda without libraries: not tried, reported, cpu runs', () => {
    const p = planProviders(list('cuda'), NO_CUDA_LIBS);
    expect(p.preferred).toBe('cuda');
    expect(p.candidates).toEqual(['cpu']);
    expect(p.excluded[0]!.reason).toMatch(/libonnxruntime_providers_cuda\.so/);
  });
  test('a provider missing from the build is excluded', () => {
    const p = planProviders(list('webgpu'), CPU_ONLY_BUILD);
    expect(p.candidates).toEqual(['cpu']);
    expect(p.excluded.map((u) => u.provider)).toEqual(['webgpu']);
  });
  test('strict: only the preferred provider is tried', () => {
    expect(planProviders(list('webgpu', 'cpu'), ALL, true).candidates).toEqual(['webgpu']);
    expect(planProviders(auto, NO_CUDA_LIBS, true).candidates).toEqual(['webgpu']);
    expect(planProviders(list('cuda'), NO_CUDA_LIBS, true).candidates).toEqual([]);
  });
});

describe('classifyFailure', () => {
  const adapter = 'webgpu_context.cc:136 ... was false. Failed to get a WebGPU adapter: No supported adapters';
  test('no adapter: names the cause from the Vulkan facts', () => {
    expect(classifyFailure('webgpu', adapter, { drivers: [] }).reason).toMatch(/Vulkan loader .* not installed/);
    expect(classifyFailure('webgpu', adapter, { loader: '/x/libvulkan.so.1', drivers: [] }).reason).toMatch(/no Vulkan driver/);
    const u = classifyFailure('webgpu', adapter, VULKAN);
    expect(u.reason).toMatch(/^no WebGPU adapter: .*lvp.*No supported adapters/);
    expect(u.hint).toMatch(/--ep cpu/);
  });
  test('cuda: a missing CUDA/cuDNN library is named', () => {
    const u = classifyFailure('cuda', 'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file', VULKAN);
    expect(u.reason).toMatch(/libcublasLt\.so\.12.*CUDA 12 or cuDNN 9/);
  });
});

/** A fake onnxruntime: providers in `works` create sessions, others throw `message`. */
function fakeCreate(works: readonly string[], messages: Record<string, string> = {}) {
  const calls: SessionOptions[] = [];
  const create = async (_m: string | Uint8Array, o: SessionOptions): Promise<Session> => {
    calls.push(o);
    const ep = o.executionProviders![0]!;
    if (!works.includes(ep)) throw new Error(messages[ep] ?? `${ep} failed`);
    return { fake: ep } as unknown as Session;
  };
  return { create, calls };
}

describe('createProviderSession (fake onnxruntime)', () => {
  const model = new Uint8Array(1);
  test('the first working provider runs it; no notice when it is the preferred one', async () => {
    const f = fakeCreate(['webgpu', 'cpu']);
    const notices: string[] = [];
    const s = await createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, onNotice: (n) => notices.push(n) });
    expect(s.provider).toBe('webgpu');
    expect(s.fellBack).toBe(false);
    expect(notices).toEqual([]);
    expect(f.calls.map((c) => c.executionProviders)).toEqual([['webgpu']]);
  });
  test('auto falls back to cpu and says so (never silently)', async () => {
    const f = fakeCreate(['cpu'], { webgpu: 'Failed to get a WebGPU adapter: No supported adapters' });
    const notices: string[] = [];
    const s = await createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, onNotice: (n) => notices.push(n), vulkan: VULKAN });
    expect(s.provider).toBe('cpu');
    expect(s.fellBack).toBe(true);
    expect(s.attempts.map((a) => [a.provider, a.ok])).toEqual([['webgpu', false], ['cpu', true]]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^notice\[E_EP_UNAVAILABLE\]: requested --ep auto, running on cpu: .*webgpu: no WebGPU adapter/);
    expect(notices[0]).toContain(CUDA_INSTALL_HINT);
    expect(s.notice).toBe(notices[0]);
  });
  test('a failed probe (in a child process) keeps webgpu out of this process; what Dawn printed is folded into the notice, or left out', async () => {
    const DAWN = ['error: XDG_RUNTIME_DIR is invalid or not set in the environment.', 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.', 'at InitializeImpl (dawn/native/vulkan/PhysicalDeviceVk.cpp:253)'];
    const probe = (p: string) => ({ provider: p, ok: false, error: 'Failed to get a WebGPU adapter: No supported adapters', diagnostics: DAWN, devices: [] });
    for (const nativeDiagnostics of [true, false]) {
      const f = fakeCreate(['webgpu', 'cpu']);
      const notices: string[] = [];
      const s = await createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, probe, nativeDiagnostics, onNotice: (n) => notices.push(n), vulkan: VULKAN });
      expect(s.provider).toBe('cpu');
      expect(f.calls.map((c) => c.executionProviders)).toEqual([['cpu']]); // webgpu was never created here
      expect(s.unavailable.find((u) => u.provider === 'webgpu')?.native).toEqual(DAWN);
      const folded = ['  note: webgpu printed while it was probed (in a child process):', '    error: XDG_RUNTIME_DIR is invalid or not set in the environment. (2x)', '    at InitializeImpl (dawn/native/vulkan/PhysicalDeviceVk.cpp:253)'].join('\n');
      if (nativeDiagnostics) expect(notices[0]).toContain(folded);
      else expect(notices[0]).not.toContain('XDG_RUNTIME_DIR');
      expect(notices[0]).toContain('webgpu: no WebGPU adapter');
    }
  });
  test('a probe that succeeds lets the session be created here', async () => {
    const f = fakeCreate(['webgpu', 'cpu']);
    const s = await createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, probe: (p) => ({ provider: p, ok: true, diagnostics: [], devices: [] }) });
    expect(s.provider).toBe('webgpu');
    expect(f.calls.map((c) => c.executionProviders)).toEqual([['webgpu']]);
  });
  test('strict: a fallback is E_EP_UNAVAILABLE, and cpu is never tried', async () => {
    const f = fakeCreate(['cpu'], { webgpu: 'Failed to get a WebGPU adapter: No supported adapters' });
    await expect(createProviderSession(model, { ep: list('webgpu'), strict: true, facts: ALL, create: f.create, vulkan: VULKAN })).rejects.toMatchObject({
      code: 'E_EP_UNAVAILABLE',
      exitCode: 1,
    });
    expect(f.calls.map((c) => c.executionProviders)).toEqual([['webgpu']]);
  });
  test('strict asks onnxruntime to refuse node-level CPU fallback, except on cpu itself', async () => {
    const f = fakeCreate(['webgpu', 'cpu']);
    await createProviderSession(model, { ep: list('webgpu'), strict: true, facts: ALL, create: f.create });
    await createProviderSession(model, { ep: list('cpu'), strict: true, facts: ALL, create: f.create });
    expect(f.calls.map((c) => c.disableCpuFallback ?? false)).toEqual([true, false]);
  });
  test('--ep cuda --strict-ep without libraries: the error carries the install hint; onnxruntime is not called', async () => {
    const f = fakeCreate(['cpu']);
    const e = await createProviderSession(model, { ep: list('cuda'), strict: true, facts: NO_CUDA_LIBS, create: f.create }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetforgeError);
    expect((e as NetforgeError).code).toBe('E_EP_UNAVAILABLE');
    expect((e as NetforgeError).hint).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect((e as NetforgeError).hint).toContain('"allowScripts": { "onnxruntime-node": true }');
    expect(f.calls).toEqual([]);
  });
  test('when cpu fails too, the model is the problem: E_ORT_SESSION', async () => {
    const f = fakeCreate([]);
    await expect(createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, onNotice: () => {} })).rejects.toMatchObject({ code: 'E_ORT_SESSION' });
  });
  test('gpu-buffer outputs are asked of webgpu only', async () => {
    const f = fakeCreate(['cpu']);
    await createProviderSession(model, { ep: auto, facts: NO_CUDA_LIBS, create: f.create, onNotice: () => {}, preferredOutputLocation: 'gpu-buffer', vulkan: VULKAN });
    expect(f.calls.map((c) => [c.executionProviders![0], c.preferredOutputLocation])).toEqual([
      ['webgpu', 'gpu-buffer'],
      ['cpu', 'cpu'],
    ]);
  });
});

describe('facts of this machine', () => {
  test('the binding lists cpu; the CUDA library check looks at real files', () => {
    const f = providerFacts();
    expect(f.compiled.has('cpu')).toBe(true);
    expect(cudaLibraryFiles('linux')).toEqual(['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']);
    for (const m of f.cudaMissing) expect(cudaLibraryFiles()).toContain(m);
  });
  test('vulkanFacts honours VK_DRIVER_FILES and LD_LIBRARY_PATH', () => {
    const d = mkdtempSync(join(tmpdir(), 'netforge-vk-'));
    writeFileSync(join(d, 'nvidia_icd.json'), '{}');
    writeFileSync(join(d, 'libvulkan.so.1'), '');
    const v = vulkanFacts({ VK_DRIVER_FILES: `${join(d, 'nvidia_icd.json')}:${join(d, 'missing.json')}`, LD_LIBRARY_PATH: d });
    expect(v).toEqual({ loader: join(d, 'libvulkan.so.1'), drivers: ['nvidia_icd.json'] });
  });
});

describe('createProviderSession input checks', () => {
  test('a missing model file is E_NOT_FOUND before any provider is tried', async () => {
    const f = fakeCreate(['cpu']);
    await expect(createProviderSession('/nonexistent/m.onnx', { ep: list('webgpu'), strict: true, facts: ALL, create: f.create })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(f.calls).toEqual([]);
  });
});
