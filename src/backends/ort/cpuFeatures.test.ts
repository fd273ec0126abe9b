import { describe, expect, test } from 'vitest';
import { int8Cpu } from './cpuFeatures.js';

const cpuinfo = (flags: string): string => `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 ${flags}\n\nprocessor\t: 1\n`;

describe('int8 CPU features (onnxruntime: U8S8 saturates on x86 without VNNI)', () => {
  test('VNNI: no saturation, reduce-range off', () => {
    const c = int8Cpu(cpuinfo('sse4_1 avx2 avx512f avx512bw avx512_vnni'), 'x64');
    expect(c).toMatchObject({ vnni: true, saturation: false, reduceRangeDefault: false, flags: ['sse4_1', 'avx2', 'avx512f', 'avx512bw', 'avx512_vnni'] });
    expect(int8Cpu(cpuinfo('avx2 avx_vnni'), 'x64').reduceRangeDefault).toBe(false);
  });
  test('AVX2 or AVX-512 without VNNI: saturation possible, reduce-range on', () => {
    expect(int8Cpu(cpuinfo('sse4_1 avx2'), 'x64')).toMatchObject({ vnni: false, saturation: true, reduceRangeDefault: true });
    expect(int8Cpu(cpuinfo('avx2 avx512f avx512bw'), 'x64').reduceRangeDefault).toBe(true);
  });
  test('arm64: no saturation; unreadable flags: off, and the advice says why', () => {
    expect(int8Cpu(null, 'arm64')).toMatchObject({ saturation: false, reduceRangeDefault: false });
    const u = int8Cpu(null, 'x64');
    expect(u.flags).toBeUndefined();
    expect(u.reduceRangeDefault).toBe(false);
    expect(u.reason).toContain('could not be read');
  });
});
