/** What the numbers were measured on: CPU, cores, memory, load, versions. */
import { readFileSync, existsSync } from 'node:fs';
import { availableParallelism, totalmem, cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export function loadavg() {
  try {
    const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/);
    return { '1m': Number(a), '5m': Number(b), '15m': Number(c) };
  } catch {
    return null;
  }
}

function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function gitRev(root) {
  try {
    const git = (argv) => execFileSync('git', argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const rev = git(['rev-parse', '--short', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return dirty ? `${rev}+uncommitted` : rev;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(root) {
  const require = createRequire(`${root}/package.json`);
  let ort = 'absent';
  try {
    ort = require('onnxruntime-node/package.json').version;
  } catch {
    // reported as absent
  }
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    onnxruntimeNode: ort,
    netforge: JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version,
    git: gitRev(root),
    timeCommand: existsSync('/usr/bin/time') ? '/usr/bin/time' : null,
  };
}
