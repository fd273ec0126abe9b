/**
 * Execution providers: which ones this onnxruntime-node binding has, which can run here,
 * and creating a session on the best one with an honest account of what happened.
 *
 * What onnxruntime-node 1.30 (Linux x64) does, measured on a machine without a GPU:
 * - `listSupportedBackends()` names cpu and webgpu (bundled) and cuda, tensorrt (not bundled:
 *   their provider libraries come only with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild
 *   onnxruntime-node`).
 * - `executionProviders: ['webgpu']` (or ['webgpu', 'cpu']) without a usable adapter throws
 *   from session creation ("Failed to get a WebGPU adapter: No supported adapters"); it does
 *   not fall back to the next provider in the list by itself.
 * - `['cuda']` without the provider libraries throws ("Failed to load shared library").
 * - The binding exposes no query for the adapter or for which provider a session got.
 *
 * So the provider that runs a session is determined like this: each candidate is tried
 * alone (`executionProviders: [candidate]`) in preference order, and the first one whose
 * InferenceSession.create succeeds is the provider. An explicitly requested provider that
 * cannot start makes create throw (above), so success means that provider was registered
 * with the session. Detecting a WebGPU adapter therefore IS creating the session: there
 * is no cheaper question to ask onnxruntime-node.
 * Per node, onnxruntime may still hand an op the provider lacks to its built-in CPU
 * fallback; `strict` sets `session.disable_cpu_ep_fallback` so that is an error too.
 *
 * Native noise: creating a webgpu session on a machine without a usable GPU makes Dawn and
 * the Vulkan loader print to file descriptor 2 directly ("XDG_RUNTIME_DIR is invalid",
 * "PhysicalDeviceVk.cpp:253"), which no JavaScript can intercept within the process. So
 * webgpu is first probed in a child process (childProbe.ts), whose stderr netforge reads:
 * where the probe fails, webgpu is not tried in-process at all, and what the child printed
 * is folded into netforge's notice (`nativeDiagnostics`; omitted under -q). Where the probe
 * succeeds, the session is created in-process (a working adapter prints nothing here).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadOrt, resolveOrt } from './ort.js';
import { NetforgeError } from '../../errors.js';
import { createOrtSession, sessionError, type Session, type SessionOptions } from './session.js';
import { probeProvider, type ProbeResult } from './childProbe.js';
import { assertModelFiles, MAX_RELOADS, stampOf } from './modelFile.js';

/** The providers netforge drives, in `auto`'s order of preference. */
export const PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
/** An execution provider netforge drives. */
export type ProviderName = (typeof PROVIDERS)[number];

/** Which providers to try: auto, or a list in preference order (parseEp reads `--ep`). */
export type EpRequest = { readonly kind: 'auto' } | { readonly kind: 'list'; readonly providers: readonly ProviderName[] };

export const CUDA_INSTALL_HINT =
  'install the CUDA provider libraries with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (needs CUDA 12 and cuDNN 9 on the machine and network access to nuget.org; npm 11 runs the script only where package.json allows it: "allowScripts": { "onnxruntime-node": true })';

/** `auto`, or a comma list in preference order (`webgpu,cpu`). Unknown names are usage errors. */
export function parseEp(spec: string): EpRequest {
  const names = spec.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'auto') return { kind: 'auto' };
  const bad = names.filter((n) => !(PROVIDERS as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) {
    throw new NetforgeError({
      code: 'E_USAGE',
      message: names.length === 0 ? '--ep needs a value' : `--ep: unknown execution provider ${bad.map((b) => `'${b}'`).join(', ')}`,
      hint: `use auto, or one or more of ${PROVIDERS.join(', ')} in preference order, e.g. --ep webgpu,cpu`,
      exitCode: 2,
    });
  }
  return { kind: 'list', providers: [...new Set(names as ProviderName[])] };
}

export function formatEp(r: EpRequest): string {
  return r.kind === 'auto' ? 'auto' : r.providers.join(',');
}

/** What can be known about the providers without creating a session. */
export interface ProviderFacts {
  /** Providers compiled into the binding (onnxruntime-node's listSupportedBackends). */
  readonly compiled: ReadonlySet<string>;
  /** CUDA provider library files that are missing (empty: all present). */
  readonly cudaMissing: readonly string[];
  /** Where those files belong. */
  readonly bindingDir: string;
}

/** A provider that was not used, and why. */
export interface Unavailable {
  readonly provider: ProviderName;
  /** Whether a session was attempted (false: excluded by the facts alone). */
  readonly tried: boolean;
  readonly reason: string;
  readonly hint?: string;
  /** What native code printed while the provider was probed (Dawn, the Vulkan loader), one line each. */
  readonly native?: readonly string[];
}

export interface ProviderPlan {
  /** The provider the request prefers: a session elsewhere is a fallback. */
  readonly preferred: ProviderName;
  /** Providers to try, in order. */
  readonly candidates: readonly ProviderName[];
  /** Providers excluded before trying (reasons for the notice or the error). */
  readonly excluded: readonly Unavailable[];
}

function cudaUnavailable(facts: ProviderFacts): Unavailable {
  return {
    provider: 'cuda',
    tried: false,
    reason: `the CUDA provider libraries are not installed (missing ${facts.cudaMissing.join(', ')} in ${facts.bindingDir})`,
    hint: CUDA_INSTALL_HINT,
  };
}

function staticCheck(p: ProviderName, facts: ProviderFacts): Unavailable | undefined {
  if (!facts.compiled.has(p)) {
    return { provider: p, tried: false, reason: `this onnxruntime-node build has no ${p} provider (it has ${[...facts.compiled].join(', ')})`, hint: 'use --ep cpu' };
  }
  if (p === 'cuda' && facts.cudaMissing.length > 0) return cudaUnavailable(facts);
  return undefined;
}

/**
 * Which providers to try, in which order (a pure function of the request and the facts).
 * - auto: cuda (only if its provider libraries are installed), webgpu (tried: an adapter
 *   is found by creating the session), cpu. Preferred = the first of these not excluded,
 *   so a missing CUDA install is not a fallback but a webgpu -> cpu move is.
 * - a list: tried in order, with cpu appended as the last resort; preferred = the first
 *   listed. A listed provider that the facts exclude is reported, not tried.
 * - strict: only the preferred provider is tried (any other outcome is an error).
 */
export function planProviders(req: EpRequest, facts: ProviderFacts, strict = false): ProviderPlan {
  const excluded: Unavailable[] = [];
  let preferred: ProviderName;
  let order: ProviderName[];
  if (req.kind === 'auto') {
    order = [];
    for (const p of PROVIDERS) {
      const u = staticCheck(p, facts);
      if (u === undefined) order.push(p);
      else if (facts.compiled.has(p)) excluded.push(u); // a provider the build lacks is not auto's business
    }
    preferred = order[0] ?? 'cpu';
  } else {
    preferred = req.providers[0]!;
    const wanted = strict || req.providers.includes('cpu') ? [...req.providers] : [...req.providers, 'cpu' as const];
    order = [];
    for (const p of wanted) {
      const u = staticCheck(p, facts);
      if (u === undefined) order.push(p);
      else excluded.push(u);
    }
  }
  const candidates = strict ? order.filter((p) => p === preferred) : order;
  return { preferred, candidates, excluded };
}

/** Turn an onnxruntime session-creation failure on a provider into a reason and a fix. */
export function classifyFailure(provider: ProviderName, message: string, vulkan: VulkanFacts = vulkanFacts()): Unavailable {
  const first = message.split('\n')[0]!.replace(/^.*?\] ?/, '').trim();
  if (provider === 'webgpu') {
    if (/WebGPU adapter/i.test(message)) {
      const why = !vulkan.loader
        ? 'the Vulkan loader (libvulkan.so.1) is not installed'
        : vulkan.drivers.length === 0
          ? 'no Vulkan driver (ICD) is installed'
          : `the installed Vulkan drivers (${vulkan.drivers.map((d) => d.replace(/_icd.*$/, '')).join(', ')}) offered Dawn no usable GPU`;
      return {
        provider,
        tried: true,
        reason: `no WebGPU adapter: ${why} (onnxruntime: ${message.slice(message.indexOf('Failed to get a WebGPU adapter')).trim()})`,
        hint: 'on a GPU machine install the GPU driver with its Vulkan ICD and the Vulkan loader (NVIDIA: point VK_DRIVER_FILES at nvidia_icd.json); netforge doctor shows what was found. Without a GPU use --ep cpu',
      };
    }
    return { provider, tried: true, reason: `the webgpu provider failed to start: ${first}`, hint: 'run netforge doctor; use --ep cpu to run without it' };
  }
  if (provider === 'cuda') {
    const lib = /lib(cudart|cublas|cublasLt|cudnn|cufft|curand)[^ :]*/.exec(message)?.[0];
    return {
      provider,
      tried: true,
      reason: lib !== undefined ? `the CUDA provider could not load ${lib}: CUDA 12 or cuDNN 9 is missing` : `the CUDA provider failed to start: ${first}`,
      hint: 'install CUDA 12 and cuDNN 9 and put their lib directories on LD_LIBRARY_PATH; netforge doctor shows the state',
    };
  }
  return { provider, tried: true, reason: first };
}

export interface VulkanFacts {
  /** Path of libvulkan.so.1, if found. */
  readonly loader?: string;
  /** Vulkan ICD manifest files (drivers) the loader would consider. */
  readonly drivers: readonly string[];
}

const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** Where the Vulkan loader and drivers are, the way the loader looks for them (env vars first). */
export function vulkanFacts(env: NodeJS.ProcessEnv = process.env): VulkanFacts {
  const libDirs = [...(env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean), ...LIB_DIRS];
  const loader = libDirs.map((d) => join(d, 'libvulkan.so.1')).find((f) => existsSync(f));
  const explicit = (env['VK_DRIVER_FILES'] ?? env['VK_ICD_FILENAMES'] ?? '').split(':').filter(Boolean);
  const drivers = explicit.length > 0
    ? explicit.filter((f) => existsSync(f))
    : ICD_DIRS.flatMap((d) => {
        try {
          return readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f));
        } catch {
          return [];
        }
      });
  return { ...(loader !== undefined ? { loader } : {}), drivers: drivers.map((d) => d.split('/').pop()!) };
}

/** The directory holding onnxruntime_binding.node and the provider libraries. */
export function bindingDir(): string {
  return join(dirname(resolveOrt()), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

export function cudaLibraryFiles(platform: NodeJS.Platform = process.platform): readonly string[] {
  return platform === 'win32'
    ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
    : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
}

/** The facts for this machine's onnxruntime-node install. */
export function providerFacts(): ProviderFacts {
  const dir = bindingDir();
  return {
    compiled: new Set(loadOrt().listSupportedBackends().map((b) => b.name)),
    cudaMissing: cudaLibraryFiles().filter((f) => !existsSync(join(dir, f))),
    bindingDir: dir,
  };
}

export interface ProviderAttempt {
  readonly provider: ProviderName;
  readonly ok: boolean;
  readonly ms: number;
  readonly reason?: string;
  readonly hint?: string;
}

export interface ProviderSession {
  readonly session: Session;
  /** The provider running the session (determined as the file comment explains). */
  readonly provider: ProviderName;
  readonly requested: EpRequest;
  readonly preferred: ProviderName;
  /** True when `provider` is not the preferred one. */
  readonly fellBack: boolean;
  /** Every provider passed over or tried, in order, with reasons. */
  readonly unavailable: readonly Unavailable[];
  readonly attempts: readonly ProviderAttempt[];
  /** Milliseconds InferenceSession.create took on the provider that succeeded. */
  readonly createMs: number;
  /** The stderr notice about a fallback (also passed to onNotice). */
  readonly notice?: string;
}

export interface ProviderSessionOptions extends Omit<SessionOptions, 'executionProviders' | 'disableCpuFallback'> {
  readonly ep?: EpRequest;
  /** Any fallback is an error (E_EP_UNAVAILABLE), node-level CPU fallback included. */
  readonly strict?: boolean;
  /** Where fallback notices go. Default: stderr. */
  readonly onNotice?: (text: string) => void;
  /** For tests: the facts and the session factory. */
  readonly facts?: ProviderFacts;
  readonly create?: (model: string | Uint8Array, o: SessionOptions) => Promise<Session>;
  readonly vulkan?: VulkanFacts;
  /**
   * Asks whether a provider can start, in a child process, before its session is created
   * here (see the file comment). Default: childProbe's probeProvider for webgpu (none when
   * `create` is given, for tests).
   */
  readonly probe?: (provider: ProviderName) => ProbeResult | undefined;
  /** Fold what native code printed during a failed probe into the notice. Default true; the CLI's -q turns it off. */
  readonly nativeDiagnostics?: boolean;
}

/** The probe createProviderSession uses by default: webgpu only (the provider whose failure is noisy). */
export function defaultProbe(provider: ProviderName): ProbeResult | undefined {
  return provider === 'webgpu' ? probeProvider(provider) : undefined;
}

/** Native lines for a notice: each once, with a count when repeated, indented under a note. */
export function foldNative(us: readonly Unavailable[]): string[] {
  const out: string[] = [];
  for (const u of us) {
    if (u.native === undefined || u.native.length === 0) continue;
    const counts = new Map<string, number>();
    for (const line of u.native) counts.set(line, (counts.get(line) ?? 0) + 1);
    out.push(`  note: ${u.provider} printed while it was probed (in a child process):`);
    for (const [line, n] of counts) out.push(`    ${line}${n > 1 ? ` (${n}x)` : ''}`);
  }
  return out;
}

function listReasons(us: readonly Unavailable[]): string {
  return us.map((u) => `${u.provider}: ${u.reason}`).join('; ');
}

/**
 * `create`, again when the model file was replaced while onnxruntime loaded it and the load
 * failed (its data was removed by a writer: see ./modelFile.ts): the new model is complete.
 */
async function createFresh(create: (model: string | Uint8Array, o: SessionOptions) => Promise<Session>, model: string | Uint8Array, o: SessionOptions): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    const before = typeof model === 'string' ? stampOf(model) : '';
    try {
      return await create(model, o);
    } catch (e) {
      if (typeof model !== 'string' || attempt >= MAX_RELOADS || stampOf(model) === before) throw e;
    }
  }
}

/** Create a session on the best provider the request allows (see planProviders); never falls back silently. */
export async function createProviderSession(model: string | Uint8Array, o: ProviderSessionOptions = {}): Promise<ProviderSession> {
  const requested = o.ep ?? { kind: 'list', providers: ['cpu'] };
  const strict = o.strict ?? false;
  const facts = o.facts ?? providerFacts();
  const create = o.create ?? createOrtSession;
  if (typeof model === 'string' && !existsSync(model)) {
    // Before any provider is tried, so a missing file is never reported as a provider failure.
    throw new NetforgeError({ code: 'E_NOT_FOUND', message: `model file ${model} does not exist`, file: model, hint: 'check the path (netforge compile writes .onnx files)' });
  }
  if (typeof model === 'string') assertModelFiles(model);
  const plan = planProviders(requested, facts, strict);
  const unavailable: Unavailable[] = [...plan.excluded];
  const attempts: ProviderAttempt[] = [];
  const { ep: _ep, strict: _s, onNotice: _n, facts: _f, create: _c, vulkan: _v, probe: _p, nativeDiagnostics: _d, ...sessionOpts } = o;
  const probe = o.probe ?? (o.create === undefined ? defaultProbe : undefined);
  for (const provider of plan.candidates) {
    const t0 = performance.now();
    const probed = provider === 'cpu' ? undefined : probe?.(provider);
    if (probed !== undefined && !probed.ok) {
      const u = { ...classifyFailure(provider, probed.error ?? 'the probe failed', o.vulkan), native: probed.diagnostics };
      unavailable.push(u);
      attempts.push({ provider, ok: false, ms: performance.now() - t0, reason: u.reason, ...(u.hint !== undefined ? { hint: u.hint } : {}) });
      continue;
    }
    try {
      const session = await createFresh(create, model, {
        ...sessionOpts,
        executionProviders: [provider],
        ...(strict && provider !== 'cpu' ? { disableCpuFallback: true } : {}),
        ...(provider !== 'webgpu' && sessionOpts.preferredOutputLocation === 'gpu-buffer' ? { preferredOutputLocation: 'cpu' as const } : {}),
      });
      const createMs = performance.now() - t0;
      attempts.push({ provider, ok: true, ms: createMs });
      const fellBack = provider !== plan.preferred;
      let notice: string | undefined;
      if (fellBack) {
        const passed = unavailable.filter((u) => u.provider !== provider);
        notice = `notice[E_EP_UNAVAILABLE]: requested --ep ${formatEp(requested)}, running on ${provider}: ${listReasons(passed)}`;
        if (o.nativeDiagnostics ?? true) notice += foldNative(passed).map((l) => `\n${l}`).join('');
        const hints = [...new Set(passed.map((u) => u.hint).filter((h): h is string => h !== undefined))];
        if (hints.length > 0) notice += `\n  help: ${hints.join('\n  help: ')}`;
        (o.onNotice ?? ((s: string) => process.stderr.write(`${s}\n`)))(notice);
      }
      return {
        session,
        provider,
        requested,
        preferred: plan.preferred,
        fellBack,
        unavailable,
        attempts,
        createMs,
        ...(notice !== undefined ? { notice } : {}),
      };
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      if (provider === 'cpu') throw sessionError(e, model);
      const u = classifyFailure(provider, message, o.vulkan);
      unavailable.push(u);
      attempts.push({ provider, ok: false, ms: performance.now() - t0, reason: u.reason, ...(u.hint !== undefined ? { hint: u.hint } : {}) });
    }
  }
  const why = unavailable.filter((u) => plan.candidates.includes(u.provider) || u.provider === plan.preferred);
  const shown = why.length > 0 ? why : unavailable;
  const hint = shown.find((u) => u.hint !== undefined)?.hint;
  const native = o.nativeDiagnostics ?? true ? foldNative(shown).map((l) => `\n${l}`).join('') : '';
  throw new NetforgeError({
    code: 'E_EP_UNAVAILABLE',
    message: strict
      ? `--strict-ep: the ${plan.preferred} execution provider is not available: ${listReasons(shown)}${native}`
      : `no requested execution provider could run the model: ${listReasons(shown)}${native}`,
    ...(typeof model === 'string' ? { file: model } : {}),
    hint: [hint, strict ? 'drop --strict-ep to fall back to the cpu provider' : undefined].filter(Boolean).join('; '),
  });
}
