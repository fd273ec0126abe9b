/**
 * Every CLI command, in the order `netforge --help` lists them. Commands load on demand:
 * onnxruntime's native binding and ts-morph take hundreds of milliseconds to import, and
 * `netforge compile` needs neither.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'compile', load: async () => (await import('./compile.js')).compileCommand },
  { name: 'summary', load: async () => (await import('./summary.js')).summaryCommand },
  { name: 'report', load: async () => (await import('./report.js')).reportCommand },
  { name: 'diff', load: async () => (await import('./diff.js')).diffCommand },
  { name: 'run', load: async () => (await import('./run.js')).runCommand },
  { name: 'bench', load: async () => (await import('./bench.js')).benchCommand },
  { name: 'export', load: async () => (await import('./export.js')).exportCommand },
  { name: 'check-repo', load: async () => (await import('./checkRepo.js')).checkRepoCommand },
  { name: 'doctor', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'weights', load: async () => (await import('./weights.js')).weightsCommand },
];
