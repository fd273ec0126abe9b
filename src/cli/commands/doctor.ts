/** netforge doctor [--json]: versions, execution providers and why each can or cannot run here; always exits 0. */
import { arch, platform } from 'node:os';
import type { Command } from '../command.js';
import { get, parseArgs, type FlagSpec } from '../args.js';
import { diagnose, type Diagnosis } from '../../backends/ort/probe.js';
import { NETFORGE_VERSION } from '../../version.js';
import { ortProblem } from '../../backends/ort/ort.js';

const FLAGS: readonly FlagSpec[] = [{ name: '--json', type: 'bool', help: 'print the report as JSON' }];

function format(d: Diagnosis): string {
  const L: string[] = [];
  L.push(`netforge     ${NETFORGE_VERSION}`);
  L.push(`node         ${process.version} (${platform()} ${arch()})`);
  L.push(`onnxruntime  onnxruntime-node ${d.onnxruntime.node}, onnxruntime-common ${d.onnxruntime.common}`);
  L.push(`             binding and provider libraries in ${d.onnxruntime.bindingDir}`);
  L.push(`compiled in  ${d.providers.map((p) => `${p.name}${p.bundled ? '' : ' (libraries not bundled)'}`).join(', ')}`);
  L.push('providers');
  const w = Math.max(...d.providers.map((p) => p.name.length));
  for (const p of d.providers) {
    const state = p.usable ? `usable (probe session created in ${(p.createMs ?? 0).toFixed(0)} ms, output correct)` : `not usable: ${p.reason ?? ''}`;
    L.push(`  ${p.name.padEnd(w)}  ${state}`);
    for (const line of p.diagnostics) L.push(`  ${' '.repeat(w)}    | ${line}`);
    if (!p.usable && p.hint !== undefined) L.push(`  ${' '.repeat(w)}    help: ${p.hint}`);
  }
  L.push(`--ep auto    would run on ${d.auto}`);
  L.push(`vulkan       loader ${d.vulkan.loader ?? 'not found (libvulkan.so.1)'}; drivers ${d.vulkan.drivers.length ? d.vulkan.drivers.join(', ') : 'none'}${d.vulkan.VK_DRIVER_FILES !== undefined ? ` (VK_DRIVER_FILES=${d.vulkan.VK_DRIVER_FILES})` : ''}`);
  L.push(`devices      ${d.devices.length ? d.devices.map((x) => `${x.type} ${x.vendor} (vendor ${x.vendorId}, device ${x.deviceId})`).join('; ') : 'none reported by onnxruntime'}`);
  const gpus = d.devices.filter((x) => x.type === 'gpu');
  L.push(`GPU adapter  ${d.gpu.webgpuAdapter ? 'found by the webgpu provider' : 'none found'}${gpus.length ? `; onnxruntime discovered ${gpus.map((g) => `${g.vendor} ${g.deviceId}${g.metadata ? ` [${g.metadata}]` : ''}`).join(', ')}` : ''}`);
  if (d.gpu.nvidiaSmi) for (const s of d.gpu.nvidiaSmi) L.push(`             nvidia-smi: ${s}`);
  L.push(`             ${d.gpu.adapterDetails}`);
  return L.join('\n');
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'show versions and which execution providers (cpu, webgpu, cuda) can run here, and why not',
  usage: 'netforge doctor [--json]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('doctor', argv, FLAGS);
    const missing = ortProblem('netforge doctor');
    if (missing !== undefined) {
      // nothing to probe: say so, and how to get it (doctor always exits 0)
      const base = { netforge: NETFORGE_VERSION, node: process.version, platform: platform(), arch: arch() };
      if (get.bool(p, 'json')) io.out(JSON.stringify({ ...base, onnxruntime: null, error: { code: missing.code, message: missing.message, hint: missing.hint } }, null, 2));
      else io.out([`netforge     ${base.netforge}`, `node         ${base.node} (${base.platform} ${base.arch})`, `onnxruntime  ${missing.message}`, `             help: ${missing.hint ?? ''}`].join('\n'));
      return 0;
    }
    const d = diagnose();
    if (get.bool(p, 'json')) io.out(JSON.stringify({ netforge: NETFORGE_VERSION, node: process.version, platform: platform(), arch: arch(), ...d }, null, 2));
    else io.out(format(d));
    return 0;
  },
};
