/**
 * What this CPU means for int8 models in onnxruntime (U8S8: uint8 activations, int8
 * weights), from onnxruntime's quantization guide (onnxruntime.ai/docs/performance/
 * model-optimizations/quantization.html, "When and why do I need to try U8U8?" and "When to
 * use reduce-range"): on x86-64 with AVX2 or AVX-512 but no VNNI, the U8S8 kernels use
 * VPMADDUBSW, whose 16-bit intermediate sums can saturate; 7-bit weights (reduce-range)
 * avoid that. CPUs with VNNI (AVX512_VNNI, AVX_VNNI), and ARM, have no such issue.
 *
 * Rules:
 * 1. x86-64 with avx512_vnni or avx_vnni in its flags: no saturation, reduce-range off.
 * 2. x86-64 without either: saturation possible, reduce-range on by default.
 * 3. Other architectures (arm64, ...): no saturation, reduce-range off.
 * 4. Flags that cannot be read (not Linux): reduce-range off, and the reason says so.
 * The default concerns the machine that compiles; pass --reduce-range / --no-reduce-range
 * when the model will run on another.
 */
import { readFileSync } from 'node:fs';

export const INT8_FLAGS = ['sse4_1', 'avx2', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8'] as const;

export interface Int8Cpu {
  readonly arch: string;
  /** The int8-relevant flags the CPU reports, or undefined when they could not be read. */
  readonly flags: readonly string[] | undefined;
  readonly vnni: boolean | undefined;
  /** onnxruntime documents U8S8 saturation on this CPU. */
  readonly saturation: boolean;
  readonly reduceRangeDefault: boolean;
  /** Why, in a few words: `VNNI present: U8S8 int8 kernels do not saturate`. */
  readonly reason: string;
}

/** The `flags` line of /proc/cpuinfo (first processor), or undefined. */
function cpuinfoFlags(cpuinfo: string | null): string[] | undefined {
  const line = cpuinfo?.split('\n').find((l) => /^flags\s*:/.test(l));
  return line?.slice(line.indexOf(':') + 1).trim().split(/\s+/);
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** `cpuinfo`: the text of /proc/cpuinfo (read when not given), null when there is none. */
export function int8Cpu(cpuinfo: string | null = readCpuinfo(), arch: string = process.arch): Int8Cpu {
  if (arch !== 'x64') {
    return { arch, flags: undefined, vnni: undefined, saturation: false, reduceRangeDefault: false, reason: `${arch}: onnxruntime documents no int8 saturation here` };
  }
  const all = cpuinfoFlags(cpuinfo);
  if (all === undefined) {
    return { arch, flags: undefined, vnni: undefined, saturation: false, reduceRangeDefault: false, reason: 'the CPU flags could not be read (no /proc/cpuinfo); x86 CPUs without VNNI want --reduce-range' };
  }
  const flags = INT8_FLAGS.filter((f) => all.includes(f));
  const vnni = flags.includes('avx512_vnni') || flags.includes('avx_vnni');
  if (vnni) {
    return { arch, flags, vnni, saturation: false, reduceRangeDefault: false, reason: 'VNNI present: U8S8 int8 kernels do not saturate' };
  }
  return {
    arch,
    flags,
    vnni,
    saturation: true,
    reduceRangeDefault: true,
    reason: 'no VNNI: U8S8 int8 kernels (VPMADDUBSW) can saturate',
  };
}
