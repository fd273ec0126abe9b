import { describe, expect, test } from 'vitest';
import { createSession, runFloat32 } from './session.js';
import { oneNodeModel, parseProbeStderr, probeProvider } from './probe.js';

// What onnxruntime 1.30 and Dawn printed on a machine whose only Vulkan drivers are Mesa's (no GPU).
const STDERR = [
  '2026-11-27 22:29:14.040625877 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x1022, device_id:0x0, vendor:AMD, type:0, metadata: []}',
  '2026-11-27 22:29:14.040625877 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x10de, device_id:0x2330, vendor:NVIDIA, type:1, metadata: [Discrete: 1]}',
  '\x1b[0;93m2026-11-27 22:29:14.041252099 [W:onnxruntime:, session_state.cc:1280 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned\x1b[m',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '',
].join('\n');

describe('probe', () => {
  test('parses hardware discovery and keeps only the non-onnxruntime lines as diagnostics', () => {
    const r = parseProbeStderr(STDERR);
    expect(r.devices).toEqual([
      { vendorId: '0x1022', deviceId: '0x0', vendor: 'AMD', type: 'cpu', metadata: '' },
      { vendorId: '0x10de', deviceId: '0x2330', vendor: 'NVIDIA', type: 'gpu', metadata: 'Discrete: 1' },
    ]);
    expect(r.diagnostics).toEqual(['Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.', '- While initializing adapter (backend=BackendType::Vulkan)']);
  });
  test('the one-node models run in onnxruntime', async () => {
    const s = await createSession(oneNodeModel('Relu', ['N', 4]));
    const y = await runFloat32(s, new Float32Array([-1, 2, -3, 4, 0.5, -0.5, 0, 1]), [2, 4]);
    expect([...y.data]).toEqual([0, 2, 0, 4, 0.5, 0, 0, 1]);
    const id = await createSession(oneNodeModel('Identity', ['N', 2]));
    expect([...(await runFloat32(id, new Float32Array([3, -7]), [1, 2])).data]).toEqual([3, -7]);
  });
  test('the cpu provider passes the probe in a child process', () => {
    const r = probeProvider('cpu');
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.devices.some((d) => d.type === 'cpu')).toBe(true);
  });
});
