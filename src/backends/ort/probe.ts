/**
 * Probing a provider for `netforge doctor`: create a session on a one-node model and run it,
 * in a child process. The child keeps what native code prints (Dawn's reasons for rejecting
 * a Vulkan device, onnxruntime's hardware discovery at info level) off our stderr and
 * hands it back to us as diagnostics, and a driver crash cannot take netforge down.
 */
import { spawnSync } from 'node:child_process';
import type { Graph, Shape } from '../../ir/types.js';
import { toOnnxBytes } from '../onnx/serialize.js';
import { loadOrt, resolveOrt } from './ort.js';
import { PROVIDERS, classifyFailure, planProviders, providerFacts, vulkanFacts, type ProviderFacts, type ProviderName, type Unavailable, type VulkanFacts } from './providers.js';

/** A graph of one `op` node from `x` to `y` (both float32 of `shape`), as ONNX bytes. */
export function oneNodeModel(op: 'Relu' | 'Identity', shape: Shape): Uint8Array {
  const g: Graph = {
    name: `netforge_${op.toLowerCase()}`,
    inputs: ['x'],
    outputs: ['y'],
    values: new Map([
      ['x', { id: 'x', dtype: 'float32', shape }],
      ['y', { id: 'y', dtype: 'float32', shape }],
    ]),
    nodes: [{ name: op.toLowerCase(), op, attrs: {}, inputs: ['x'], params: [], outputs: ['y'], module: '' }],
    params: new Map(),
    meta: new Map(),
    modules: [],
    symbols: new Map([['N', { reference: 1, multipleOf: 1 }]]),
  };
  return toOnnxBytes(g);
}

/** A hardware device onnxruntime's discovery reported (its info-level log). */
export interface HardwareDevice {
  readonly type: 'cpu' | 'gpu' | 'npu' | string;
  readonly vendor: string;
  readonly vendorId: string;
  readonly deviceId: string;
  readonly metadata: string;
}

export interface ProbeResult {
  readonly provider: ProviderName;
  /** The session was created and computed relu([-1, 2, -3, 4]) = [0, 2, 0, 4]. */
  readonly ok: boolean;
  readonly createMs?: number;
  readonly error?: string;
  /** Lines native code printed that are not onnxruntime log lines (Dawn, Vulkan drivers). */
  readonly diagnostics: readonly string[];
  readonly devices: readonly HardwareDevice[];
}

const CHILD = `
const ort = require(process.env.NETFORGE_ORT);
ort.env.logLevel = 'info';
const model = Buffer.from(process.env.NETFORGE_PROBE_MODEL, 'base64');
(async () => {
  const t0 = performance.now();
  try {
    const s = await ort.InferenceSession.create(model, { executionProviders: [process.env.NETFORGE_PROBE_EP] });
    const createMs = performance.now() - t0;
    const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([-1, 2, -3, 4]), [1, 4]) });
    const y = Array.from(r.y.data);
    process.stdout.write(JSON.stringify({ ok: y.join() === '0,2,0,4', createMs, output: y }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e) }));
  }
})();
`;

const DEVICE = /Discovered OrtHardwareDevice \{vendor_id:(0x[0-9a-f]+), device_id:(0x[0-9a-f]+), vendor:([^,]*), type:(\d+), metadata: \[(.*)\]\}/i;
const ORT_LOG = /^\S*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[[VIWEF]:onnxruntime/;

/** Parse onnxruntime's device-discovery lines and the non-onnxruntime lines from a child's stderr. */
export function parseProbeStderr(stderr: string): { devices: HardwareDevice[]; diagnostics: string[] } {
  const devices: HardwareDevice[] = [];
  const diagnostics: string[] = [];
  // eslint-disable-next-line no-control-regex
  for (const raw of stderr.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const line = raw.trimEnd();
    const m = DEVICE.exec(line);
    if (m) {
      const type = ({ '0': 'cpu', '1': 'gpu', '2': 'npu' } as Record<string, string>)[m[4]!] ?? `type ${m[4]}`;
      devices.push({ vendorId: m[1]!, deviceId: m[2]!, vendor: m[3]!.trim(), type, metadata: m[5]!.trim() });
    } else if (line.trim() !== '' && !ORT_LOG.test(line)) diagnostics.push(line.trim());
  }
  return { devices, diagnostics };
}

export function probeProvider(provider: ProviderName, timeoutMs = 60_000): ProbeResult {
  const r = spawnSync(process.execPath, ['-e', CHILD], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: {
      ...process.env,
      NETFORGE_ORT: resolveOrt('netforge doctor'),
      NETFORGE_PROBE_EP: provider,
      NETFORGE_PROBE_MODEL: Buffer.from(oneNodeModel('Relu', [1, 4])).toString('base64'),
    },
  });
  const { devices, diagnostics } = parseProbeStderr(r.stderr ?? '');
  let parsed: { ok?: boolean; createMs?: number; error?: string; output?: number[] } = {};
  try {
    parsed = JSON.parse(r.stdout || '{}') as typeof parsed;
  } catch {
    parsed = { ok: false, error: `unreadable probe output: ${r.stdout.slice(0, 200)}` };
  }
  let error = parsed.error;
  if (r.error) error = `the probe process failed: ${r.error.message}`;
  else if (r.status !== 0) error = `the probe process exited with ${r.status ?? r.signal}${error ? `: ${error}` : ''}`;
  else if (!parsed.ok && error === undefined) error = `the probe model computed ${JSON.stringify(parsed.output)} instead of [0, 2, 0, 4]`;
  return {
    provider,
    ok: parsed.ok === true && r.status === 0,
    ...(parsed.createMs !== undefined ? { createMs: parsed.createMs } : {}),
    ...(error !== undefined && parsed.ok !== true ? { error } : {}),
    diagnostics,
    devices,
  };
}

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
