/**
 * Asking whether a provider can run here without letting its native code talk to the user:
 * create a session on a one-node model and run it, in a child process. What native code
 * prints there (Dawn's reasons for rejecting a Vulkan device, the Vulkan loader's
 * complaints, onnxruntime's hardware discovery at info level) is written to the child's
 * stderr, which netforge reads and hands back as diagnostics; native libraries write to
 * file descriptor 2 directly, which Node cannot redirect within a process without a native
 * addon. A driver crash in the child cannot take netforge down.
 *
 * `netforge doctor` probes every provider this way; createProviderSession probes webgpu this
 * way before creating its session in-process (providers.ts).
 */
import { spawnSync } from 'node:child_process';
import type { Graph, Shape } from '../../ir/types.js';
import { toOnnxBytes } from '../onnx/serialize.js';
import { resolveOrt } from './ort.js';

/** A provider name as onnxruntime knows it ('cpu', 'webgpu', 'cuda'). */
type Provider = string;

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
  readonly provider: Provider;
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

export function probeProvider(provider: Provider, timeoutMs = 60_000): ProbeResult {
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
