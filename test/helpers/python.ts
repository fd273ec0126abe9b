/** The Python oracle: Debian's torch/torchvision/onnx under /usr/bin/python3 (CI installs them with apt). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let cached: { torch: boolean; onnx: boolean } | undefined;
export function pythonHas(): { torch: boolean; onnx: boolean } {
  if (cached) return cached;
  const probe = (mod: string): boolean => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
  cached = { torch: probe('torchvision'), onnx: probe('onnx') };
  if (!cached.torch || !cached.onnx) {
    console.warn(`[netforge tests] ${PYTHON} lacks ${[!cached.torch && 'torch/torchvision', !cached.onnx && 'onnx'].filter(Boolean).join(' and ')}: oracle tests are skipped (apt-get install python3-torch python3-torchvision python3-onnx)`);
  }
  return cached;
}

/** Run a Python snippet; returns stdout; throws with stderr on failure. */
export function runPython(code: string, args: readonly string[] = [], timeoutMs = 300_000): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
