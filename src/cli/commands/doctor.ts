/** netforge doctor [--json]: versions, execution providers and why each can or cannot run here; always exits 0. */
import { arch, platform } from 'node:os';
import type { Command } from '../command.js';
import { get, parseArgs, type FlagSpec } from '../args.js';
import { diagnose, type Diagnosis } from '../../backends/ort/probe.js';
import { int8Cpu, type Int8Cpu } from '../../backends/ort/cpuFeatures.js';
import { NETFORGE_VERSION } from '../../version.js';
import { ortProblem } from '../../backends/ort/ort.js';

const FLAGS: readonly FlagSpec[] = [{ name: '--json', type: 'bool', help: 'print the report as JSON' }];

/** What the CPU means for --quantize int8 (onnxruntime's U8S8 saturation on x86 without VNNI). */
function int8Lines(c: Int8Cpu): string[] {
  const flags = c.flags === undefined ? 'flags unknown' : c.flags.length ? c.flags.join(' ') : 'no SSE4.1/AVX2/AVX-512/VNNI flags';
  return [
    `int8 (cpu)   ${c.arch}, ${flags}: ${c.reason}`,
    `             --quantize int8 defaults to ${c.reduceRangeDefault ? '--reduce-range (7-bit weights)' : '--no-reduce-range (8-bit weights)'} here; 7-bit weights only pay off where U8S8 saturates (x86 without VNNI)`,
  ];
}

function format(d: Diagnosis, c: Int8Cpu): string {
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
  L.push(...int8Lines(c));
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
    const c = int8Cpu();
    if (get.bool(p, 'json')) io.out(JSON.stringify({ netforge: NETFORGE_VERSION, node: process.version, platform: platform(), arch: arch(), ...d, int8: c }, null, 2));
    else io.out(format(d, c));
    return 0;
  },
};
