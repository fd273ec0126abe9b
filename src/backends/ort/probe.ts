/**
 * `netforge doctor`: every provider probed in a child process (childProbe.ts), so what
 * native code prints is reported as diagnostics instead of reaching the terminal.
 */
import { spawnSync } from 'node:child_process';
import { loadOrt } from './ort.js';
import { probeProvider, type HardwareDevice } from './childProbe.js';
export { oneNodeModel, parseProbeStderr, probeProvider, type HardwareDevice, type ProbeResult } from './childProbe.js';
import { PROVIDERS, classifyFailure, planProviders, providerFacts, vulkanFacts, type ProviderFacts, type ProviderName, type Unavailable, type VulkanFacts } from './providers.js';

/** `nvidia-smi`'s view of the GPUs (name, driver, memory), or undefined where it is not installed. */
export function nvidiaSmi(): string[] | undefined {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

export interface ProviderStatus {
  readonly name: string;
  /** Listed by onnxruntime-node's listSupportedBackends. */
  readonly compiled: boolean;
  /** Its libraries ship inside the npm package. */
  readonly bundled: boolean;
  /** netforge can select it with --ep. */
  readonly selectable: boolean;
  readonly usable: boolean;
  readonly createMs?: number;
  readonly reason?: string;
  readonly hint?: string;
  /** What native code printed while trying it (Dawn, drivers). */
  readonly diagnostics: readonly string[];
}

export interface Diagnosis {
  readonly onnxruntime: { readonly node: string; readonly common: string; readonly bindingDir: string };
  readonly providers: readonly ProviderStatus[];
  /** What --ep auto would run on. */
  readonly auto: ProviderName;
  readonly vulkan: VulkanFacts & { readonly VK_DRIVER_FILES?: string };
  /** Devices onnxruntime's hardware discovery reported. */
  readonly devices: readonly HardwareDevice[];
  readonly gpu: {
    readonly webgpuAdapter: boolean;
    readonly nvidiaSmi?: readonly string[];
    /** Why name and limits are not listed from the adapter itself. */
    readonly adapterDetails: string;
  };
}

/** Everything `netforge doctor` reports; probes run in child processes (see the file comment). */
export function diagnose(): Diagnosis {
  const ort = loadOrt('netforge doctor');
  const facts = providerFacts();
  const vulkan = vulkanFacts();
  const listed = ort.listSupportedBackends();
  const statuses: ProviderStatus[] = [];
  let devices: readonly HardwareDevice[] = [];
  for (const b of listed) {
    const base = { name: b.name, compiled: true, bundled: b.bundled, selectable: (PROVIDERS as readonly string[]).includes(b.name) };
    if (!base.selectable) {
      statuses.push({ ...base, usable: false, reason: `netforge does not offer ${b.name} (--ep takes ${PROVIDERS.join(', ')})`, diagnostics: [] });
      continue;
    }
    const name = b.name as ProviderName;
    if (name === 'cuda' && facts.cudaMissing.length > 0) {
      const u = classifyStatic(facts);
      statuses.push({ ...base, usable: false, reason: u.reason, ...(u.hint !== undefined ? { hint: u.hint } : {}), diagnostics: [] });
      continue;
    }
    const r = probeProvider(name);
    if (name === 'cpu') devices = r.devices;
    if (r.ok) {
      statuses.push({ ...base, usable: true, ...(r.createMs !== undefined ? { createMs: r.createMs } : {}), diagnostics: r.diagnostics });
    } else {
      const u = classifyFailure(name, r.error ?? 'unknown failure', vulkan);
      statuses.push({ ...base, usable: false, reason: u.reason, ...(u.hint !== undefined ? { hint: u.hint } : {}), diagnostics: r.diagnostics });
    }
  }
  const usable = (n: string): boolean => statuses.some((s) => s.name === n && s.usable);
  const auto: ProviderName = usable('cuda') ? 'cuda' : usable('webgpu') ? 'webgpu' : 'cpu';
  const smi = nvidiaSmi();
  const versions = ort.env.versions as { common?: string; node?: string };
  return {
    onnxruntime: { node: versions.node ?? 'unknown', common: versions.common ?? 'unknown', bindingDir: facts.bindingDir },
    providers: statuses,
    auto,
    vulkan: { ...vulkan, ...(process.env['VK_DRIVER_FILES'] !== undefined ? { VK_DRIVER_FILES: process.env['VK_DRIVER_FILES'] } : {}) },
    devices,
    gpu: {
      webgpuAdapter: usable('webgpu'),
      ...(smi !== undefined ? { nvidiaSmi: smi } : {}),
      adapterDetails:
        'onnxruntime-node 1.30 exposes neither the WebGPU adapter nor its limits to JavaScript (the webgpu provider asks Dawn for the adapter\'s own limits internally); the GPU is named here from onnxruntime\'s hardware discovery and nvidia-smi',
    },
  };
}

function classifyStatic(facts: ProviderFacts): Unavailable {
  return planProviders({ kind: 'list', providers: ['cuda'] }, facts, true).excluded[0]!;
}
